"""Field-work management pages: campaigns, collection agents, conversion of conferences,
agents' weekly and monthly activity against quota, and cash reconciliation."""
