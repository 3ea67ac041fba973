"""``optimizer.step()`` runs before ``backward()`` in the user's training step.

What it checks
    On the first calls of the user's ``step:``, the order of events: an optimizer step hook
    records each ``optimizer.step()``, a gradient hook on the parameters records each backward
    pass. Reported when a call's last backward pass comes after its last optimizer step, so
    the gradients of this call are only used (if at all) by the next one.

Why it matters
    Every update then follows the previous batch's gradients (or, after a ``zero_grad`` in
    between, none at all): training lags one step behind, the first step is empty, and with
    ``zero_grad`` placed before ``step`` the model does not learn. PyTorch warns only about
    the scheduler order, never about this one.

Example
    Bad::

        def step(model, batch, loss_fn, optimizer):
            optimizer.zero_grad()
            optimizer.step()
            loss = loss_fn(model(batch[0]), batch[1])
            loss.backward()
            return loss

    Good::

        def step(model, batch, loss_fn, optimizer):
            optimizer.zero_grad()
            loss = loss_fn(model(batch[0]), batch[1])
            loss.backward()
            optimizer.step()
            return loss

How to fix
    Order each step as ``zero_grad()`` → forward → ``loss.backward()`` → ``optimizer.step()``.
"""

from __future__ import annotations

from preflight.findings import Hit
from preflight.registry import check


def _late_backward(events: list[str]) -> bool:
    if "step" not in events or "backward" not in events:
        return False
    last_step = len(events) - 1 - events[::-1].index("step")
    last_backward = len(events) - 1 - events[::-1].index("backward")
    return last_backward > last_step


@check(
    "P112", "step-before-backward", severity="error", scope="probe",
    pathology="training_failure", title="optimizer.step() before backward() in the user's step",
    remedy="order each step: zero_grad(), forward, loss.backward(), optimizer.step()",
)
def step_before_backward(ctx):
    calls = ctx.section.get("user_step_calls") or []
    late = [i for i, c in enumerate(calls) if _late_backward(c.get("events") or [])]
    if late:
        yield Hit(message=f"in {len(late)} of the first {len(calls)} calls optimizer.step() ran "
                          f"before backward(): each update uses the previous call's gradients",
                  line=ctx.line("step"), data={"calls": [i + 1 for i in late], "events": calls[late[0]]["events"]})
