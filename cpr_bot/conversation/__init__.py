"""The conversation: what a message means (vocabulary, understanding, language), what to say
next (flows, dialog, replies), the mentor side of a handoff (handoffs), and the one runner
that takes every turn on every channel (runner)."""
