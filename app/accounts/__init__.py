"""People who sign in: administrators, organisation editors and referrers."""
