"""Alerts: tell people when a watched article changes, by webhook or email.

``outbox.py`` keeps the receivers (``alerts`` table) and queues one delivery
per receiver in the same transaction as the version it describes, so a crash
loses none; ``content.py`` builds what is sent (the article, outlet, story,
versions, edit classes and the word diff of the changed sentences) from
``versions/``; ``delivery.py`` sends queued deliveries beside the watcher —
webhooks as signed JSON POSTs, email as text and HTML — retrying with backoff
and recording every attempt. A failed delivery never fails a watch pass.
"""
