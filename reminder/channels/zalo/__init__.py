"""Zalo: the OA token (``tokens``), consultation messages (``oa``), template messages
(``templates``), the Bot Platform (``bot``), what officers write to the bot or the OA
(``inbound``), and the records these keep in the store (``records``)."""
