"""Twilio in: the signed webhooks for texts (sms), calls (voice) and delivery reports
(status), plus health checks. They parse and render; the conversation runner decides."""
