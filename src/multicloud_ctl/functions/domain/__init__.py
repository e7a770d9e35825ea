"""Pure business logic of the shop: no SDK imports; stores, buses, clocks and ids are passed in."""
