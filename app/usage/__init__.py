"""Usage counts, aggregated only: how many searches and listing views there were each day, never who made
them or what they typed (search terms about mental health are sensitive)."""
