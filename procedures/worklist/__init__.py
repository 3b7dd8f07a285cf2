"""The radiologist's worklist: today's list, the appointments waiting for a result, and "Log result".

- `selectors`: the lists and what a new result starts with (reads only; "results pending" is defined here once);
- `views`, `urls`: the home page (the worklist for radiologists, today's schedule for everyone else), /worklist/.
"""
