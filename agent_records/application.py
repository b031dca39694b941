"""Command handling: the only way to change the record.

``AgentRecords.handle`` takes one command of ``domain.commands``. The few with logic of
their own (opening a record, a posting that indexes its post, the designations at a post, a
correction) have a handler (``HANDLERS``); every other one records its event as given.
Each command loads the agent (as this process last read or saved it, ``agent_cache``: no
read of the whole record, no fold of it), lets the domain check the rules and emit the
event, and saves it with optimistic concurrency on the version of every aggregate it
changes (the agent; a posting also the post, which indexes its members for Art. 2). When another
writer saved either first, the command is run again on fresh records (the rules are
checked again), for up to ``RETRY_SECONDS`` with a random, growing pause between
attempts (writers that collided do not collide again in step); a final refusal names the
aggregate that kept changing (``agent <id>``, ``post <code>``). With ``expected_version``
given, a stale agent is reported as a ``ConcurrencyConflict`` at once (a post that moved
is still retried: the caller's version of the agent was right). Nothing half-done is
ever saved: the events of one command (and the post index it updates) are stored in one
transaction, with the command's idempotency key when it has one (``once``,
``eventstore.idempotency``). The application is assembled on its store by
``agent_records.bootstrap``.
"""

from __future__ import annotations

import dataclasses
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate, DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError, Recording

from agent_records.agent_cache import AgentCache
from agent_records.config import StoreSettings
from agent_records.domain import events as ev
from agent_records.domain.agent import Agent, StoredForm, metadata, typed_payload
from agent_records.domain.commands import (
    AgentCommand,
    Command,
    CorrectEvent,
    DesignateChargeDAffaires,
    DesignateHeadOfPost,
    ErasePersonalData,
    OpenPost,
    PostAgent,
    RegisterAgent,
)
from agent_records.domain.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    RuleViolation,
    Violation,
)
from agent_records.domain.post import Post, PostOpened, post_id
from agent_records.domain.rules.leave import LeaveAccount, leave_account
from agent_records.domain.rules.posting import check_charge_designation
from agent_records.domain.values import Authority, ChargeGround, Decision
from agent_records.eventstore.encoding import EventsFirst
from agent_records.eventstore.errors import guard
from agent_records.eventstore.idempotency import (
    IdempotencyKeyReused,
    KeyedRequest,
    KeyedResult,
    KeyTaken,
)
from agent_records.eventstore.recorders.sql import keyed_recorder
from agent_records.keys.table import KeyTable

RETRY_SECONDS = 5.0
"""How long a command whose save lost a race is run again (with at least ``RETRIES``
attempts). Bounded by time rather than attempts: with 16 attempts, 8 writer processes
posting new members to one post on 2 shared cores still had 1 posting in 200 refused
(``bench/posting.py``), since a loaded machine lengthens each attempt's window."""
RETRIES = 5
BACKOFF = (0.002, 0.05)
"""Pause before attempt n: random, up to ``min(50 ms, 2 ms * 2**n)`` (full jitter: writers
that collided do not collide again in step)."""
POST_CACHE = 256
"""Posts kept in memory per application (a few hundred in the records at most)."""
_POST_LOCKS: dict[tuple[str, UUID], threading.Lock] = {}
_POST_LOCKS_LOCK = threading.Lock()
_KEY: ContextVar[KeyedRequest | None] = ContextVar("idempotency_key", default=None)
"""The idempotency key of the command running in this thread (set by ``once``)."""


class ConcurrencyConflict(DomainError):
    """Another writer changed the record first; reload and decide again."""

    code = "concurrency_conflict"


@dataclass(frozen=True)
class Receipt:
    """What a command returns once its event is stored."""

    aggregate_id: UUID
    version: int
    recorded_at: datetime
    correlation_id: str


class AgentRecords(Application[UUID]):
    """The records service: event store, commands and history of agents and posts."""

    name = "AgentRecords"
    stored_form: StoredForm | None = None
    """How the store gives an event back (the mapper's): commands decide on it
    (``Agent.record``), so that the record they leave is the one a reading would give."""

    def __init__(self, settings: StoreSettings, env: Mapping[str, str],
                 cached_agents: int) -> None:
        """The library's application configured by ``env`` (its persistence chosen by
        ``agent_records.bootstrap``, which builds this class), keeping up to
        ``cached_agents`` agents evaluated in memory (``agent_cache``; 0: none, every
        read reads and folds the whole record)."""
        self.settings = settings
        super().__init__(env=env)
        self.stored_form = getattr(self.mapper, "stored_form", None)
        self.agent_cache = AgentCache(self.events, cached_agents, self._forget_keys) \
            if cached_agents else None
        # Posts, cached and brought up to date from the store on each read (only the events
        # after the cached version are read): a post indexes every agent ever posted
        # there, and loading its whole stream on each posting cost more with every member
        # (1 posting/s at 5,000 members, ``bench/posting.py``). Snapshots would do it too,
        # at the price of a snapshot query on every agent load and of snapshot rows that
        # grow with the members (and need upcasting when the post's state changes).
        self.post_repository: Repository[UUID] = Repository(
            self.events, cache_maxsize=POST_CACHE, fastforward=True)

    def save(self, *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
             **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save``, with events handed over as such (a bulk save hands over
        thousands) collected by a plain ``isinstance``: the library checks each against a
        runtime ``Protocol``, which cost more than encoding the event. The library's
        deprecated ``notify`` hook is not called (nothing here overrides it). Calls the
        library's private steps of ``save`` (``_record``, ``_take_snapshots``, ``_notify``)
        in its order: ``tests/integration/test_library_contract.py`` checks they remain."""
        processing_event = EventsFirst()
        processing_event.collect_events(*objs, **kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    # Reading -----------------------------------------------------------------------

    def get_agent(self, agent_id: UUID, version: int | None = None, *,
                  fresh: bool = True) -> Agent:
        """The agent's record, whole or as of a version of it: as the store has it now,
        or (not ``fresh``: for a command, which the store refuses if the record moved)
        as this process last read or saved it (``agent_cache``)."""
        cache = self.agent_cache
        with guard(self.settings):
            try:
                agent: object = self.repository.get(agent_id, version=version) \
                    if cache is None else cache.get(agent_id, version, fresh=fresh)
            except AggregateNotFoundError:
                agent = None
        if agent is None:
            raise NotFound(f"no agent {agent_id}", field="agent_id")
        if not isinstance(agent, Agent):
            raise NotFound(f"{agent_id} is not an agent", field="agent_id")
        return agent

    def agent_known_at(self, agent_id: UUID, instant: datetime) -> Agent:
        """The record as it stood at ``instant``, before anything recorded later."""
        if instant.utcoffset() is None:
            raise InvalidInput(f"knownAt: expected a time with its UTC offset, got {instant}",
                               field="knownAt")
        past = self.get_agent(agent_id).known_at(instant)
        if not past.events:
            raise NotFound(f"agent {agent_id} was not yet recorded at {instant}", field="knownAt")
        return past

    def get_post(self, code: str) -> Post:
        """A post by its code, as it stands in the store now (a copy: commands change it)."""
        with guard(self.settings):
            try:
                post: object = self.post_repository.get(post_id(code))
            except AggregateNotFoundError:
                raise NotFound(f"no post {code!r}", field="post_code") from None
        if not isinstance(post, Post):
            raise NotFound(f"{code!r} is not a post", field="post_code")
        return post

    def leave_account(self, agent_id: UUID, year: int) -> LeaveAccount:
        """Entitlement, carry-over and leave taken in ``year`` (Art. 15, 17)."""
        return leave_account(self.get_agent(agent_id).state, year)

    # Writing -----------------------------------------------------------------------

    def _stamp(self, decision: Decision) -> Decision:
        return decision if decision.correlation_id else dataclasses.replace(
            decision, correlation_id=uuid4_text(os.urandom(16)))

    def _post_lock(self, code: str | None) -> AbstractContextManager[object]:
        """Postings to one post of this store from this process's threads, in turn.

        Each first posting of an agent to a post adds a member to the post's stream, so
        concurrent postings there are version conflicts on it. Between the threads of one
        process (the service's request threads, any number of application instances) they
        are taken in turn instead: under the GIL a thread's load-to-commit window spans
        the other threads' work, and a thread could lose most of its attempts. Other
        processes are still told by the store and retried (``_change``).
        """
        if code is None:
            return nullcontext()
        with _POST_LOCKS_LOCK:
            return _POST_LOCKS.setdefault((self.settings.url, post_id(code)), threading.Lock())

    def _change(self, agent_id: UUID, act: Callable[[Agent], ev.CareerEvent],
                expected_version: int | None = None,
                also: Callable[[Agent, ev.CareerEvent], list[Aggregate]] | None = None,
                in_transaction: Callable[[Any], None] | None = None) -> Receipt:
        """Load, act, save; run again on fresh records when another writer won.

        Without ``expected_version``, the first try decides on the agent as this process
        last read or saved it (``agent_cache``), without reading the store: if the store
        has moved on since, the save is refused (the event's version is taken) or the
        refusal may be out of date, and the command runs again at once on the record as
        the store has it. With ``expected_version``, the record is read first."""
        changed, attempt, deadline = "", 0, time.monotonic() + RETRY_SECONDS
        unread = expected_version is None and self.agent_cache is not None
        while attempt < RETRIES or time.monotonic() < deadline:
            if attempt:
                time.sleep(random.uniform(0, min(BACKOFF[1], BACKOFF[0] * 2 ** attempt)))
            agent = self.get_agent(agent_id, fresh=not unread)
            if expected_version is not None and agent.version != expected_version:
                raise ConcurrencyConflict(f"agent {agent_id} is at version {agent.version}, "
                                          f"not {expected_version}", field="expected_version")
            try:
                event = act(agent)
                others = also(agent, event) if also else []
            except DomainError:
                if not unread:
                    raise
                unread = False
                continue
            receipt = Receipt(agent.id, event.originator_version, event.timestamp,
                              event.correlation_id)
            loaded = {} if unread else {  # for ``_moved``, after a refused save of a read
                o.id: (o, o.version - len(o.pending_events)) for o in (agent, *others)}
            decided = agent if self.stored_form is not None else None
            try:
                return self._store(receipt, agent, *others, in_transaction=in_transaction,
                                   decided=decided)
            except IntegrityError:
                if unread:
                    unread = False
                    continue
                attempt += 1
                moved = self._moved(loaded)
                changed = " and ".join(map(_name, moved)) or "the record"
                if expected_version is not None and agent in moved:
                    raise ConcurrencyConflict(f"{changed} was changed by another writer; "
                                              "reload and try again") from None
        raise ConcurrencyConflict(f"{changed or f'agent {agent_id}'} kept changing: {attempt} "
                                  f"attempts in "
                                  f"{RETRY_SECONDS:g} s, another writer saved first each time;"
                                  " try again")

    def _moved(self, loaded: dict[UUID, tuple[Aggregate, int]]) -> list[Aggregate]:
        """Which of the aggregates of a failed save another writer changed since they were
        loaded (each with its version then), the agent first."""
        with guard(self.settings):
            return [obj for obj, version in loaded.values()
                    if self.recorder.select_events(obj.id, gt=version, limit=1)]

    def _store(self, receipt: Receipt, *objs: Aggregate,
               in_transaction: Callable[[Any], None] | None = None,
               decided: Agent | None = None) -> Receipt:
        """Saves the aggregates' new events (and the running command's idempotency key with
        its result, and ``in_transaction``'s statements, in the same transaction).
        ``decided``: the agent of ``objs`` whose new events it holds as the store gives
        them back (decided on their ``stored_form``): the cache keeps it as it is."""
        keyed = _KEY.get()
        kwargs: dict[str, Any] = {} if keyed is None else {"idempotency": KeyedResult(
            keyed, str(receipt.aggregate_id), receipt.version,
            receipt.recorded_at.isoformat(), receipt.correlation_id)}
        if in_transaction is not None:
            kwargs["in_transaction"] = in_transaction
        new = len(decided.pending_events) if decided is not None else 0  # the save takes them
        with guard(self.settings):
            recordings = self.save(*objs, **kwargs)
        if self.agent_cache is not None:  # the next command starts from the record saved
            agents = {o.id for o in objs if isinstance(o, Agent) and o is not decided}
            if agents:
                self.agent_cache.saved([  # decoded from the stored form, as a read gives
                    self.mapper.to_domain_event(r.notification)
                    for r in recordings if r.domain_event.originator_id in agents])
            if decided is not None:
                self.agent_cache.decided(decided, new)
        return receipt

    def once(self, actor_id: str, key: str, command: str, request: Mapping[str, Any],
             run: Callable[[], Receipt]) -> Receipt:
        """Runs ``run`` (one command) at most once per ``key`` of ``actor_id``.

        The first time, the key is stored with the result in the command's transaction.
        Later, the stored result is returned and nothing runs; with another ``command``
        or ``request`` (its input) the key is refused (``idempotency_key_reused``). A
        request racing another with the same key gets the winner's result.
        """
        keyed = KeyedRequest.of(actor_id, key, command, request)
        if (first := self._replay(keyed)) is not None:
            return first
        token = _KEY.set(keyed)
        try:
            return run()
        except (KeyTaken, RuleViolation, ConcurrencyConflict) as lost:
            # A concurrent request with the key stored first: this save was rolled back,
            # or the retry on the changed record was refused or ran out.
            if (first := self._replay(keyed)) is not None:
                return first
            if isinstance(lost, KeyTaken):
                raise ConcurrencyConflict(f"idempotency key {key!r} was being stored by "
                                          "another request; try again") from None
            raise
        finally:
            _KEY.reset(token)

    def _replay(self, keyed: KeyedRequest) -> Receipt | None:
        """The stored result of ``keyed``'s key, None if not stored; refused when the key
        was first used for another command or input."""
        with guard(self.settings):
            stored = keyed_recorder(self.recorder).find_key(keyed.actor_id, keyed.key)
        if stored is None:
            return None
        if stored.request != keyed:
            raise IdempotencyKeyReused(
                f"idempotency key {keyed.key!r} was first used for {stored.request.command} "
                f"with other input (result: version {stored.version} of {stored.aggregate_id});"
                " nothing was recorded; use a new key for a new request",
                field="idempotency_key")
        return Receipt(UUID(stored.aggregate_id), stored.version,
                       datetime.fromisoformat(stored.recorded_at), stored.correlation_id)

    def handle(self, command: Command) -> Receipt:
        """Runs one command: its own handler when it has logic of its own (``HANDLERS``),
        else the fact it names is recorded on the agent (``record``)."""
        handler = HANDLERS.get(type(command))
        if handler is not None:
            return handler(self, command)
        if not isinstance(command, AgentCommand):
            raise TypeError(f"{type(command).__name__} has no handler")
        return self.record(command)

    def record(self, command: AgentCommand) -> Receipt:
        """Records the fact a command names on its agent, once the rules allow it."""
        decision, payload = self._stamp(command.decision), command.payload()
        return self._change(command.agent_id, lambda a: a.record(
            command.EVENT, decision, stored_form=self.stored_form, **payload),
            command.expected_version)

    def register_agent(self, command: RegisterAgent) -> Receipt:
        """Opens a person's record (identity facts of Art. 6)."""
        decision = self._stamp(command.decision)
        agent = Agent.register(decision, **command.payload())
        return self._store(Receipt(agent.id, 1, agent.created_on, decision.correlation_id),
                           agent)

    def open_post(self, command: OpenPost) -> Receipt:
        """Enters a post in the records; its code is its key (a second post with the
        same code is refused)."""
        decision = self._stamp(command.decision)
        given = command.payload() | {"code": command.code.strip().upper()}
        payload = typed_payload(PostOpened, given)
        code = payload["code"]
        post = Post._create(PostOpened, id=post_id(code),
                            **metadata(PostOpened, decision, payload), **payload)
        try:
            return self._store(Receipt(post.id, 1, post.created_on, decision.correlation_id),
                               post)
        except IntegrityError:
            raise RuleViolation(_exists(code)) from None

    def post_agent(self, command: PostAgent) -> Receipt:
        """Art. 20: a position; a posting to a post also indexes the agent there."""
        decision = self._stamp(command.decision)
        code = command.post_code.strip().upper() if command.post_code else None
        post = self.get_post(code) if code else None
        payload = command.payload() | {"post_code": code}

        def act(agent: Agent) -> ev.CareerEvent:
            return agent.record(ev.Posted, decision, stored_form=self.stored_form, **payload)

        def index(agent: Agent, event: ev.CareerEvent) -> list[Aggregate]:
            if post is None:
                return []
            fresh = self.get_post(post.code)  # as of this attempt: a retry reloads it
            fresh.add_member(str(agent.id), metadata(ev.Posted, decision, {}))
            return [fresh] if fresh.pending_events else []  # a known member: post untouched

        with self._post_lock(code):
            return self._change(command.agent_id, act, command.expected_version, also=index)

    def designate_head_of_post(self, command: DesignateHeadOfPost) -> Receipt:
        """The agent becomes head of a post the records know (its code as stored)."""
        code = self.get_post(command.post_code).code
        return self.record(dataclasses.replace(command, post_code=code))

    def designate_charge_d_affaires(self, command: DesignateChargeDAffaires) -> Receipt:
        """Art. 2: chargé d'affaires a.i.: counsellor, else secretary, else the minister's
        (checked against who serves at the post on the day, from their records)."""
        post = self.get_post(command.post_code)
        day = command.decision.effective_date
        staff = {m: self.get_agent(UUID(m)).state_on(day) for m in post.members}
        found = check_charge_designation(post.code, day, str(command.agent_id),
                                         Authority(command.designated_by),
                                         ChargeGround(command.ground), staff)
        if found:
            raise RuleViolation(found)
        return self.record(dataclasses.replace(command, post_code=post.code))

    def _forget_keys(self, agent_id: UUID, data_class: str) -> None:
        """Forgets this process's keys of an agent's class once its erasure is seen (by the
        agent cache): whoever erased, the values read as erased here from then on."""
        keys = key_table(self)
        if keys is not None:
            keys.forget(str(agent_id), data_class)

    def erase_personal_data(self, command: ErasePersonalData) -> Receipt:
        """Records the erasure and destroys the agent's keys of the class in the same
        transaction: the encrypted values read as erased from then on, and the chain
        over them is unchanged (``eventstore.sealing``)."""
        decision, payload = self._stamp(command.decision), command.payload()
        agent_id, data_class = str(command.agent_id), str(command.data_class)
        keys = key_table(self)
        if keys is None:
            raise InvalidInput("this store keeps personal data in clear (RECORDS_SEALING=off):"
                               " nothing can be erased", field="data_class")
        receipt = self._change(
            command.agent_id, lambda a: a.record(ev.PersonalDataErased, decision,
                                                 stored_form=self.stored_form, **payload),
            command.expected_version,
            in_transaction=lambda cursor: keys.destroy_in(cursor, agent_id, data_class))
        keys.forget(agent_id, data_class)
        return receipt

    def correct_event(self, command: CorrectEvent) -> Receipt:
        """Corrects or annuls an earlier event; both stay in the record."""
        decision = self._stamp(command.decision)
        return self._change(command.agent_id, lambda a: a.correct(
            decision, command.corrected_version, command.changes, command.annulled,
            stored_form=self.stored_form), command.expected_version)


HANDLERS: dict[type[Command], Callable[[AgentRecords, Any], Receipt]] = {
    RegisterAgent: AgentRecords.register_agent,
    OpenPost: AgentRecords.open_post,
    PostAgent: AgentRecords.post_agent,
    DesignateHeadOfPost: AgentRecords.designate_head_of_post,
    DesignateChargeDAffaires: AgentRecords.designate_charge_d_affaires,
    CorrectEvent: AgentRecords.correct_event,
    ErasePersonalData: AgentRecords.erase_personal_data,
}
"""The commands with logic of their own, each with its handler (keyed by the command's
class: the handler takes that class). Every other command records its ``EVENT`` on its
agent (``AgentRecords.record``)."""


def uuid4_text(entropy: bytes) -> str:
    """``str(uuid.UUID(bytes=entropy, version=4))`` for 16 random bytes, a command's
    correlation id, made from their hexadecimal digits: the ``UUID`` object cost twice
    as many instructions (``tests/integration/test_career.py`` compares them)."""
    h = entropy.hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def key_table(app: AgentRecords) -> KeyTable | None:
    """The store's key table, None when personal data are stored in clear."""
    sealer = getattr(app.mapper, "sealer", None)
    return sealer.keys if sealer is not None else None


def _name(aggregate: Aggregate) -> str:
    """An aggregate as a refusal names it: ``agent <id>``, ``post <code>``."""
    return f"post {aggregate.code}" if isinstance(aggregate, Post) else f"agent {aggregate.id}"


def _exists(code: str) -> Violation:
    return Violation(None, "post_exists", f"post {code} is already in the records", "code")
