"""Letters to post (`/letters/`): the due letters, one PDF to print them all, each letter's PDF, and "mark posted".

Reads in `.selectors`; the one write, marking letters posted, is reminders.services.mark_posted. The letter itself is
the letter channel's (reminders.channels.letter)."""
