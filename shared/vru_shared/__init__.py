"""The VRU platform's common library: event envelope and contracts, outbox, bus, settings, db."""
