"""Staff's patient pages: find a patient (`/patients/?q=`) and see one patient's whole history (`/patients/<id>/`).

- `search`: what a query means (a date of birth, a phone number, an MRN, names) and the page of patients it finds;
- `selectors`: a patient's history for their page, in a fixed number of queries;
- `forms`, `views`, `urls`: the pages.
"""
