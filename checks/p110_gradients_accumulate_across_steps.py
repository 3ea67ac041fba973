"""Gradients from the previous call are still there when the user's step runs backward.

What it checks
    On the first calls of the user's ``step:``, a hook on every trainable parameter sees the
    first gradient of the call arrive and looks at what ``.grad`` holds at that moment. Non-zero
    values there are left over from the previous call: nothing reset them (no
    ``optimizer.zero_grad()`` / ``model.zero_grad()`` / ``p.grad = None`` in between).
    Accumulating over several backward passes *inside* one call is not flagged.

Why it matters
    ``backward()`` adds to ``.grad``. Without a reset every step follows the sum of all past
    gradients: the effective LR grows with the step count, and the loss oscillates or diverges
    after a few dozen steps. It is the most common bug in hand-written PyTorch loops.

Example
    Bad::

        def step(model, batch, loss_fn, optimizer):
            loss = loss_fn(model(batch[0]), batch[1])
            loss.backward()                  # adds to last call's gradients
            optimizer.step()
            return loss

    Good::

        def step(model, batch, loss_fn, optimizer):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(batch[0]), batch[1])
            loss.backward()
            optimizer.step()
            return loss

How to fix
    Call ``optimizer.zero_grad(set_to_none=True)`` at the start of each step (or after
    ``optimizer.step()``). For deliberate gradient accumulation, step and reset every k calls
    and divide the loss by k.
"""

from __future__ import annotations

from preflight.findings import Hit
from preflight.registry import check


@check(
    "P110", "gradients-accumulate-across-steps", severity="error", scope="probe",
    pathology="divergence", title="gradients accumulate across training steps (no zero_grad)",
    remedy="call optimizer.zero_grad(set_to_none=True) in every step",
)
def gradients_accumulate_across_steps(ctx):
    calls = ctx.section.get("user_step_calls") or []
    stale = [i for i, c in enumerate(calls) if c.get("leftover_grads")]
    if stale:
        yield Hit(message=f"in {len(stale)} of the first {len(calls)} calls of the training step "
                          f"backward added to the previous call's gradients (first: call "
                          f"{stale[0] + 1}): zero_grad is missing",
                  line=ctx.line("step"), data={"calls": [i + 1 for i in stale]})
