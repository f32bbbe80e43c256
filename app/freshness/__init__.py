"""Keeping listings fresh (design §2 principle 5): reminders with signed confirmation links, and the
administrators' view of what is out of date."""
