"""The development outbox (`/dev/outbox/`, only with DEBUG on): every email and text the outbox sent, as the
patient got it, so a developer or a demo reads what patients read without a mail server or a phone."""
