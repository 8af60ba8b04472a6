"""Journal pages (server-rendered; work without JavaScript)."""
