"""Everything kept in Redis, one owner per key: key names (keys), the connection (connection),
conversations and message de-duplication (conversations), opt-outs (optouts), the mentor
roster (mentors), handoff records (handoffs), check-ins (followups), texts we sent
(deliveries) and needs that found nothing (unmet)."""
