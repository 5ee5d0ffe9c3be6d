"""Everything that leaves our number outside a webhook reply: queued as jobs (jobs), and sent
once, opt-outs checked, by the one sender (sender)."""
