"""Every word of every patient's names, once: what a name typed with a typo is compared with.

The patient search finds names spelled like the words typed ("hughs" finds Hughes) by comparing each word with
these words (pg_trgm's similarity, `procedures.patients.fuzzy`), not with every patient's names: a typo of a common
name costs one look at its few spellings however many patients carry it. On PostgreSQL a trigger keeps the table
complete (each patient inserted, or whose `search_name` changes, adds its words, but those holding a digit, which are
no name to spell; bulk_create and update() too), and a trigram GIN index serves the comparison (migration 0028).
Words no patient carries any more stay, harmlessly: they find nobody. SQLite matches names as typed only, and leaves
this empty.
"""

from django.db import models


class NameWord(models.Model):
    word = models.CharField(max_length=201, primary_key=True, help_text="A folded word of a patient's names.")

    class Meta:
        verbose_name = "name word"

    def __str__(self) -> str:
        return self.word
