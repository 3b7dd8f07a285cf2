"""The FHIR R4 (4.0.1) API under /fhir/, for the hospital's systems: read and search of patients, radiologists,
rooms, free slots and appointments, (with the results scope) procedures, reports and BI-RADS observations, and (with
the referrals scope) referrals in as ServiceRequests.

- auth.py: tokens and scopes (ApiClient), and the record of every call (ApiCall);
- errors.py: every error as an OperationOutcome with its HTTP status;
- bundles.py: searchset Bundles and paging; http.py: the endpoint wrapper (JSON only, auth, errors, recording);
- search.py: reading search parameters; selectors.py: the reads; registry.py: what is served;
- resources.py, clinical.py: rows as FHIR resources (fhirclient's R4 models); capability.py: /fhir/metadata;
- referrals_in.py: reading a referral POSTed as a ServiceRequest; referrals.py: the ServiceRequest read back.
"""
