"""Local care co-ordination hubs and their ordered sections; leaflets follow their structure."""
