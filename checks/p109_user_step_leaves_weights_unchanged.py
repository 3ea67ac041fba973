"""A call of the user's own training step leaves every trainable weight as it was.

What it checks
    When model.yaml names a ``step:`` (``file.py:callable(model, batch, loss_fn, optimizer)``),
    the probe runs it instead of its own step and snapshots the trainable weights around each
    of its first calls. Reported when a call changes none of them; the message says what the
    call did (no backward, no ``optimizer.step()``, or both ran and still nothing moved).

Why it matters
    A step function that does not update the weights trains nothing on those calls: a
    forgotten ``optimizer.step()``, a ``return`` before it, an optimizer over another model's
    parameters, or a step that only runs every k-th call by mistake. The loss curve stays flat
    and nothing in the loop raises.

Example
    Bad::

        def step(model, batch, loss_fn, optimizer):
            optimizer.zero_grad()
            loss = loss_fn(model(batch[0]), batch[1])
            loss.backward()
            return loss                      # optimizer.step() forgotten

    Good::

        def step(model, batch, loss_fn, optimizer):
            optimizer.zero_grad()
            loss = loss_fn(model(batch[0]), batch[1])
            loss.backward()
            optimizer.step()
            return loss

How to fix
    Call ``optimizer.step()`` after ``loss.backward()`` on every call, with an optimizer built
    over the parameters of the model the step receives.
"""

from __future__ import annotations

from preflight.findings import Hit
from preflight.registry import check


def _what(call: dict) -> str:
    ev = call.get("events") or []
    if "backward" not in ev and "step" not in ev:
        return "neither a backward pass reached the weights nor optimizer.step() ran"
    if "step" not in ev:
        return "backward ran but optimizer.step() was never called"
    if "backward" not in ev:
        return "optimizer.step() ran but no gradient reached the weights"
    return "backward and optimizer.step() both ran"


@check(
    "P109", "user-step-leaves-weights-unchanged", severity="error", scope="probe",
    pathology="training_failure", title="the user's training step does not change the weights",
    remedy="call optimizer.step() after loss.backward() on every call, over the model's parameters",
)
def user_step_leaves_weights_unchanged(ctx):
    calls = ctx.section.get("user_step_calls") or []
    if ctx.section.get("error"):
        return
    idle = [i for i, c in enumerate(calls) if not c["changed"]]
    if idle:
        first = calls[idle[0]]
        yield Hit(message=f"{len(idle)} of the first {len(calls)} calls of the training step "
                          f"changed no trainable weight (call {idle[0] + 1}: {_what(first)})",
                  line=ctx.line("step"), data={"unchanged_calls": [i + 1 for i in idle]})
