"""A referral as the hospital's EPR sends it (POST /fhir/ServiceRequest), for the referral tests to change a part of.
"Now" is Wednesday 5 June 2030 (tests/clinic.py)."""

MRN_SYSTEM = "https://localhost/fhir/sid/mrn"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
DISCHARGE = "http://localhost:8000/fhir/CodeSystem/nipple-discharge"
AMA_NHS = "9434765919"
OTHER_NHS = "4010232137"


def ama_referral(**changes) -> dict:
    """What the EPR sends: Ama Osei (contained), left breast, bloody discharge, urgent, from Dr Rahman."""
    body = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "https://epr.riverside.example/referral", "value": "REF-1001"}],
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "code": {"coding": [{"system": SNOMED, "code": "18102001", "display": "Mammary ductogram"}]},
        "contained": [
            {
                "resourceType": "Patient",
                "id": "pat",
                "identifier": [{"system": MRN_SYSTEM, "value": "RX200001"}, {"system": NHS, "value": "943 476 5919"}],
                "name": [{"use": "official", "family": "Osei", "given": ["Ama"]}],
                "gender": "female",
                "birthDate": "1978-02-14",
                "telecom": [
                    {"system": "email", "value": "ama@example.org"},
                    {"system": "phone", "value": "07911 123456", "use": "mobile"},
                ],
            }
        ],
        "subject": {"reference": "#pat"},
        "bodySite": [{"coding": [{"system": SNOMED, "code": "80248007", "display": "Left breast structure"}]}],
        "reasonCode": [
            {"coding": [{"system": DISCHARGE, "code": "bloody"}]},
            {"text": "Single-duct bloody discharge, normal mammogram"},
        ],
        "requester": {"display": "Dr Farah Rahman, Breast Clinic"},
        "authoredOn": "2030-06-04",
    }
    for path, value in changes.items():
        target = body
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return body
