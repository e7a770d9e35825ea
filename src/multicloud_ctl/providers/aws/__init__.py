"""AWS provider clients: one boto3 session per environment, endpoint overrides, errors mapped to ours."""
