"""The class of every column of the read models and of every field of the GraphQL types.

Kept by name (the domain imports neither the projections nor the API): a view's table
and its columns, a GraphQL object type and its fields. The tests
``tests/unit/test_classification.py`` (every view column, every view row field) and
``tests/api/test_leaks.py`` (every field of the served schema) fail on a name missing
here: a new view, query or type is classified before it can ship. The API refuses a
field it finds no class for (``agent_records.api.classified``).
"""

from __future__ import annotations

from agent_records.domain.classification.classes import DataClass

C, A, ID = DataClass.CAREER, DataClass.AUDIT, DataClass.IDENTITY
M, W, D = DataClass.MEDICAL, DataClass.MARRIAGE, DataClass.DISCIPLINE


def _all(cls: DataClass, names: str) -> dict[str, DataClass]:
    return dict.fromkeys(names.split(), cls)


TABLE_COLUMNS: dict[str, dict[str, DataClass]] = {
    "agents": _all(C, "agent_id full_name category grade title status post_code "
                      "position_kind head_of_post oath_sworn pledged renewals next_renewal_due "
                      "eligible_for_promotion extensions prior_public_service_days "
                      "service_start service_end as_of")
    | _all(ID, "birth_date sixty_fifth_birthday service_limit") | {"version": A},
    "posts": _all(C, "post_code name city country kind opened_on"),
    "roster": _all(C, "post_code agent_id since until grade category"),
    "heads_of_post": _all(C, "post_code agent_id since until"),
    "charges": _all(C, "post_code agent_id version since until designated_by"),
    "leave_years": _all(C, "agent_id year entitlement carried_over taken travel_days "
                           "available exceptional_days urgency_unnotified"),
    "leaves": _all(C, "agent_id version kind start_date end_date travel_days counted_days "
                      "granted_by notified_on"),
    "audit_log": _all(A, "position stream_id stream_kind version event_type recorded_at "
                         "actor_id actor_role legal_basis decision_reference reason "
                         "correlation_id corrects_version corrected_by")
    | _all(C, "effective_date post_code"),
    "breaches": _all(D, "agent_id version code article on_date message"),
    "ledger": _all(A, "position stream_id version hash previous"),
    # Deadlines: an age limit's date is the 65th birthday (or an extension's end): identity.
    "deadlines": _all(C, "agent_id kind post_code article") | _all(ID, "due_on detail"),
} | {  # each view's next date of an agent: may be the day after the 65th birthday
    f"{view}_due": _all(C, "agent_id") | {"version": A, "next_date": ID}
    for view in ("agents", "posts", "leave", "breaches", "deadlines")
}
"""Every column of every read-model table (and the ledger's seal, joined to audit rows).
The 65th birthday and the service limit derive from the birth date: identity data."""



def column_classes(table: str, column: str) -> frozenset[DataClass]:
    """The class of a read-model column (every class when it is not classified): what a
    filter or an ordering on it reveals."""
    cls = TABLE_COLUMNS.get(table, {}).get(column)
    return frozenset({cls}) if cls else frozenset(DataClass)


ROW_ALIASES: dict[str, str] = {"previous_hash": "previous"}
"""Row dataclass fields named differently from their column."""

API_FIELDS: dict[str, dict[str, DataClass]] = {
    "Agent": _all(C, "id fullName postCode headOfPost oathSworn renewals eligibleForPromotion "
                     "extensions category grade title status post positionKind "
                     "nextRenewalDue publicServiceDays statusOn leaveBalance history asOf")
    | _all(ID, "sixtyFifthBirthday serviceLimit birthDate") | {"version": A}
    | {"aptitudeCertificate": M, "marriage": W, "disciplinaryRecord": D, "breaches": D},
    "AgentConnection": _all(C, "edges pageInfo totalCount"),
    "AgentEdge": _all(C, "cursor node"),
    "AgentSnapshot": _all(C, "validAt fullName grade status postCode headOfPost renewals "
                             "eligibleForPromotion") | _all(A, "knownAt version"),
    "AptitudeCertificate": _all(M, "doctor doctorDesignatedByMinister issuedOn"),
    "Marriage": _all(W, "marriedTo requests"),
    "MarriageRequest": _all(W, "version spouseName spouseNationality requestedOn decision "
                               "decidedOn"),
    "Referral": _all(D, "version body referredOn outcome decidedOn"),
    "Breach": _all(D, "version code article onDate message"),
    "BreachEntry": _all(D, "agentId fullName version code article onDate message"),
    "BreachEdge": _all(D, "cursor node"),
    "BreachConnection": _all(D, "edges pageInfo totalCount"),
    "LeaveBalance": _all(C, "year entitlement carriedOver taken travelDays available"),
    "Event": _all(C, "version type effectiveDate payload")
    | _all(A, "recordedAt actorId actorRole legalBasis decisionReference reason "
              "correlationId corrects correctedBy position hash previousHash"),
    "EventConnection": _all(C, "edges pageInfo totalCount"),
    "EventEdge": _all(C, "cursor node"),
    "PageInfo": _all(C, "hasNextPage endCursor"),
    "Post": _all(C, "code name city country kind roster rosterPage headOfPost "
                    "chargesDAffaires"),
    "RosterEntry": _all(C, "agent grade since until"),
    "RosterEdge": _all(C, "cursor node"),
    "RosterConnection": _all(C, "edges pageInfo totalCount"),
    "AuditEntry": _all(A, "position streamId streamKind version eventType recordedAt actorId "
                          "actorRole legalBasis decisionReference reason correlationId "
                          "correctsVersion correctedBy hash previousHash")
    | _all(C, "effectiveDate postCode"),
    "AuditEdge": _all(A, "cursor node"),
    "AuditConnection": _all(A, "edges pageInfo totalCount"),
    "ProjectionStatus": _all(A, "name position head lag state stoppedAt eventType error "
                                "stoppedSince asOfDay standbyPosition standbyLagSeconds "
                                "standbyState"),
    "Deadline": _all(C, "kind agentId postCode article agent") | _all(ID, "dueOn detail"),
    "DeadlineEdge": _all(C, "cursor node"),
    "DeadlineConnection": _all(C, "edges pageInfo totalCount"),
    "Verification": _all(A, "ok count headPosition headHash unsealed brokenAt problem "
                            "checkedAt checkpoints"),
    "InclusionProof": _all(A, "position index treeSize eventHash root proof verified"),
    "SignedCheckpoint": _all(A, "size position root chainHead note createdAt verified "
                                "message published"),
    "RecordPayload": _all(A, "id version recordedAt correlationId userErrors warnings agent"),
    "UserError": _all(A, "field code message article"),
}
"""Every field of every GraphQL object type but the roots (``Query``, ``Mutation``: each
root field is an operation, allowed by its permission; what it returns is classified
here). ``Event.payload`` is a container: its values have their event fields' classes.
``history`` and ``totalCount`` count events, whose type and dates are public; filters and
orderings are checked column by column (``TABLE_COLUMNS``)."""
