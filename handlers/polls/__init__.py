"""Date polls: composing, managing, reminding, settings, voting, the view, texts, refresher."""
