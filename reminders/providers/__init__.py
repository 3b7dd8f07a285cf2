"""Providers: the services outside that carry a channel's messages (an SMS gateway's API, its signatures and what
its webhooks post), kept apart from the channels that use them. A provider knows nothing of reminders or patients:
it is handed an address and a text and gives back its message id, or raises reminders.channels.SendError.
"""
