"""Pure numerical functions over numpy arrays; imports nothing else of tuneforge."""
