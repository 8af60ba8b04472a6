"""Domain rules that span models: who may see what, logins, groups."""
