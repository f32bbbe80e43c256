"""The directory domain: organisations, their listings (services) and every revision of a listing."""
