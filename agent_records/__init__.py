"""Career records of diplomatic agents as an event-sourced log (Arrêté grand-ducal 1948)."""
