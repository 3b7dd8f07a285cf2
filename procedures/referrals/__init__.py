"""Referrals for staff: /referrals/ lists the referrals the hospital's systems sent (POST /fhir/ServiceRequest) that
wait for a scheduler, the most urgent first; each is booked in one step (the booking form filled from it, linked to
the appointment once booked: booking.py is the glue the booking view calls) or rejected with a reason. A referral
held because the patient's details differ from the record found shows both; a person either confirms it is the
same patient or rejects it (procedures.services.referrals holds the rules)."""
