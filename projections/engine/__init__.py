"""How views follow the log: their store, the runner, the one-pass rebuild and its bulk loading."""
