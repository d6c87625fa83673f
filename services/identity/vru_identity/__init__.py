"""The identity service: organisations, their API clients, and the access tokens they get (OAuth2)."""
