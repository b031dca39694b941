"""The words of the command forms, marked for translation (``N_``): each field's label
by its input name and each command's title. ``web.commands`` falls back to the field's
name as words for a field not listed here, and ``tests/web/test_forms.py`` fails until
it is (a new field gets a label the catalogue can translate)."""

from __future__ import annotations

from agent_records.web.languages import N_

FIELDS = {
    "effectiveDate": N_("Effective date"), "fullName": N_("Full name"),
    "birthDate": N_("Birth date"), "nationality": N_("Nationality"),
    "category": N_("Category"), "civilPoliticalRights": N_("Civil and political rights"),
    "stateOfficial": N_("State official"),
    "priorPublicServiceDays": N_("Prior public service (days)"),
    "domicileCountry": N_("Country of domicile"),
    "administrativeGrade": N_("Administrative grade"), "reason": N_("Reason"),
    "decisionReference": N_("Decision reference"), "code": N_("Code"), "name": N_("Name"),
    "city": N_("City"), "country": N_("Country"), "kind": N_("Kind"),
    "appointingAuthority": N_("Appointing authority"),
    "aptitudeCertificate": N_("Aptitude certificate"), "doctor": N_("Doctor"),
    "doctorDesignatedByMinister": N_("Doctor designated by the minister"),
    "issuedOn": N_("Issued on"), "conductAttestation": N_("Conduct attestation"),
    "issuedBy": N_("Issued by"), "diplomas": N_("Diplomas"), "title": N_("Title"),
    "yearsOfStudy": N_("Years of study"),
    "foreignDiplomaException": N_("Foreign diploma exception"), "grade": N_("Grade"),
    "councilDeliberationRef": N_("Council deliberation reference"),
    "transitional": N_("Transitional"), "probationExempted": N_("Probation exempted"),
    "alreadySwornAsStateOfficial": N_("Already sworn as a state official"),
    "toGrade": N_("To grade"), "spouseName": N_("Spouse's name"),
    "spouseNationality": N_("Spouse's nationality"), "intendedDate": N_("Intended date"),
    "requestVersion": N_("Request (event number)"),
    "exceptionJustification": N_("Justification of the exception"),
    "endDate": N_("End date"), "travelDays": N_("Travel days"),
    "grantedBy": N_("Granted by"), "leaveVersion": N_("Leave (event number)"),
    "postCode": N_("Post code"), "organisation": N_("Organisation"), "until": N_("Until"),
    "homeMinisterAgreementRef": N_("Home minister's agreement reference"),
    "designatedBy": N_("Designated by"), "ground": N_("Ground"), "uniform": N_("Uniform"),
    "conferredBy": N_("Conferred by"), "body": N_("Body"), "facts": N_("Facts"),
    "referralVersion": N_("Referral (event number)"), "outcome": N_("Outcome"),
    "correctedVersion": N_("Corrected event (number)"), "changes": N_("Changes"),
    "annulled": N_("Annulled"),
}
"""Each input field's label (value objects' fields too), by its GraphQL name."""

TITLES = {
    "RegisterAgent": N_("Register agent"), "OpenPost": N_("Open post"),
    "AppointAttache": N_("Appoint attaché"), "AppointAgent": N_("Appoint agent"),
    "RenewAppointment": N_("Renew appointment"), "RecordLapse": N_("Record lapse"),
    "PledgeHonour": N_("Pledge honour"), "SwearOath": N_("Swear oath"),
    "EnterFunctions": N_("Enter functions"), "Promote": N_("Promote"),
    "ConferTitle": N_("Confer title"),
    "RequestMarriageAuthorisation": N_("Request marriage authorisation"),
    "AuthoriseMarriage": N_("Authorise marriage"), "RefuseMarriage": N_("Refuse marriage"),
    "RecordMarriage": N_("Record marriage"), "GrantLeave": N_("Grant leave"),
    "RecordAbsence": N_("Record absence"), "NotifyUrgencyLeave": N_("Notify urgency leave"),
    "PostAgent": N_("Post agent"), "DesignateHeadOfPost": N_("Designate head of post"),
    "DesignateChargeDAffaires": N_("Designate chargé d'affaires a.i."),
    "ConferHonoraryTitle": N_("Confer honorary title"),
    "AcceptResignation": N_("Accept resignation"), "Retire": N_("Retire"),
    "ExtendService": N_("Extend service"), "ReferToDiscipline": N_("Refer to discipline"),
    "RecordDisciplinaryDecision": N_("Record disciplinary decision"),
    "CorrectEvent": N_("Correct event"),
}
"""Each command's title (the decree's terms in French), by its class name."""
