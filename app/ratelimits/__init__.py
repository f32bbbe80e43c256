"""Rate-limit counters kept in the application's database, so that every worker shares them."""
