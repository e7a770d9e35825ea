"""One module per playbook kind; each holds that kind's spec model (extra="forbid")."""
