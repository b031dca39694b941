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
    "dataClass": N_("Class of personal data"), "erasureBasis": N_("Legal basis of the erasure"),
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
    "CorrectEvent": N_("Correct event"), "ErasePersonalData": N_("Erase personal data"),
}
"""Each command's title (the decree's terms in French), by its class name."""

ABOUT = {
    "RegisterAgent": N_("A person enters the records: the identity facts Art. 6 and "
                        "Art. 15 rely on."),
    "OpenPost": N_("A post enters the records (Art. 20)."),
    "AppointAttache": N_("Appointment as attaché de Légation for one year (Art. 6, Art. 7)."),
    "AppointAgent": N_("Direct appointment at a grade (Art. 9, 11), or kept grade of 1948 "
                       "(Art. 27)."),
    "RenewAppointment": N_("An attaché's one-year appointment is renewed (Art. 7)."),
    "RecordLapse": N_("An attaché's term ended without renewal: service ends (Art. 7)."),
    "PledgeHonour": N_("The attaché's pledge of honour before entering functions (Art. 7)."),
    "SwearOath": N_("The oath of the law of 8 May 1872, or a record that it was already "
                    "sworn (Art. 12)."),
    "EnterFunctions": N_("The agent enters functions; refused without pledge (Art. 7) or "
                         "oath (Art. 12)."),
    "Promote": N_("Promotion to a higher grade (Art. 8, 9, 11)."),
    "ConferTitle": N_("Title of attaché or secretary conferred on a chef de bureau "
                      "(Art. 26)."),
    "RequestMarriageAuthorisation": N_("An agent asks the minister's prior authorisation to "
                                       "marry (Art. 13)."),
    "AuthoriseMarriage": N_("The minister authorises the marriage (Art. 13)."),
    "RefuseMarriage": N_("The minister refuses the authorisation (Art. 13)."),
    "RecordMarriage": N_("A marriage took place; without prior authorisation it is a breach "
                         "(Art. 13)."),
    "GrantLeave": N_("Leave from the effective date to the end date inclusive "
                     "(Art. 14 to 18)."),
    "RecordAbsence": N_("An absence from the post without regular leave, listed as a breach "
                        "(Art. 14)."),
    "NotifyUrgencyLeave": N_("The head of post notified the minister of an urgency leave "
                             "(Art. 16)."),
    "PostAgent": N_("A position of active service (Art. 20) or a secondment (at most two "
                    "years)."),
    "DesignateHeadOfPost": N_("The agent becomes head of the post where they serve "
                              "(Art. 2)."),
    "DesignateChargeDAffaires": N_("Chargé d'affaires a.i. at a post, from the effective "
                                   "date (Art. 2)."),
    "ConferHonoraryTitle": N_("Honorary title: conseiller du Commerce extérieur (Art. 10) or "
                              "kept title (Art. 22)."),
    "AcceptResignation": N_("The agent's resignation is accepted (statute, Art. 23; Art. 22 "
                            "for the title)."),
    "Retire": N_("Retirement under the civil-service pension law (Art. 21)."),
    "ExtendService": N_("A head of post kept in activity beyond 65 for one more year "
                        "(Art. 21)."),
    "ReferToDiscipline": N_("The minister seizes a disciplinary body (Art. 23, 24)."),
    "RecordDisciplinaryDecision": N_("The body's decision on a referral (Art. 24; law of "
                                     "8 May 1872, Art. 32)."),
    "CorrectEvent": N_("Corrects an earlier event: new values for some of its fields, or its "
                       "annulment (Correction)."),
    "ErasePersonalData": N_("Personal data of one class erased under data-protection law: "
                            "the facts stay and the chain still verifies."),
}
"""Each command in a sentence with its articles (the event's docstring, in words), by its
class name; ``tests/web/test_forms.py`` fails for a command without one."""

HELP = (
    N_("A date from %(earliest)s to %(min_age)s years before recording; the person is "
       "%(min_age)s to %(max_age)s years old at each career fact."),
    N_("A date from %(earliest)s to %(ahead)s years after recording; the person is "
       "%(min_age)s to %(max_age)s years old then (any age at registration)."),
    N_("A date from %(earliest)s to %(ahead)s years after recording."),
    N_("An integer from %(low)s to %(high)s."),
    N_("An ISO 3166 alpha-2 country code in capitals, such as LU."),
    N_("At most %(limit)s characters; no control characters, no lone surrogates; stored in "
       "Unicode NFC."),
    N_("At most %(limit)s characters, not blank; no control characters, no lone surrogates; "
       "stored in Unicode NFC."),
    N_("At most %(limit)s characters; no control characters but line breaks and tabs, no lone "
       "surrogates; stored in Unicode NFC."),
    N_("At most %(limit)s characters, not blank; no control characters but line breaks and "
       "tabs, no lone surrogates; stored in Unicode NFC."),
)
"""Every sentence ``domain.bounds.sentence`` states a field's bounds with (the forms' help
under each field), marked for translation; ``tests/web/test_forms.py`` fails for a
sentence not listed here."""
