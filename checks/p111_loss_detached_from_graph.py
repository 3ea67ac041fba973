"""The user's training step runs without any gradient reaching the weights.

What it checks
    On the first calls of the user's ``step:``, whether any gradient reached a trainable
    parameter during the call (hooks on every parameter), and whether the loss it returns is
    a tensor attached to the autograd graph. Reported when no gradient arrived at all: the
    loss was built from detached values (``.item()``, ``.detach()``, ``torch.no_grad()``,
    ``torch.tensor(loss_value, requires_grad=True)``) or ``backward()`` was never called.

Why it matters
    Without a gradient the optimizer has nothing to follow: the weights stay put (or only
    shrink under weight decay) while the loop runs without an error. Re-wrapping a number in
    ``torch.tensor(..., requires_grad=True)`` to silence "does not require grad" is a frequent
    way to get there.

Example
    Bad::

        def step(model, batch, loss_fn, optimizer):
            optimizer.zero_grad()
            value = loss_fn(model(batch[0]), batch[1]).item()
            loss = torch.tensor(value, requires_grad=True)    # a new leaf: no path to the model
            loss.backward()
            optimizer.step()
            return loss

    Good::

        def step(model, batch, loss_fn, optimizer):
            optimizer.zero_grad()
            loss = loss_fn(model(batch[0]), batch[1])
            loss.backward()
            optimizer.step()
            return loss.detach()

How to fix
    Compute the loss from the model's output without ``.item()``, ``.detach()``, ``.numpy()`` or
    ``torch.no_grad()`` on the way, and call ``loss.backward()`` on that tensor.
"""

from __future__ import annotations

from preflight.findings import Hit
from preflight.registry import check


@check(
    "P111", "loss-detached-from-graph", severity="error", scope="probe",
    pathology="training_failure", title="no gradient reaches the weights in the user's step",
    remedy="build the loss from the model output without .item()/.detach()/no_grad and "
           "call loss.backward() on it",
)
def loss_detached_from_graph(ctx):
    calls = ctx.section.get("user_step_calls") or []
    dry = [i for i, c in enumerate(calls) if "backward" not in (c.get("events") or [])]
    if not dry:
        return
    first = calls[dry[0]]
    if first["loss_type"] == "tensor" and not first["loss_has_graph"]:
        how = "the returned loss is a tensor with no grad_fn (detached from the model)"
    elif first["loss_type"] == "tensor":
        how = "the returned loss is attached, but backward() never reached a parameter"
    else:
        how = f"the step returns a {first['loss_type']}, and no backward reached a parameter"
    yield Hit(message=f"in {len(dry)} of the first {len(calls)} calls no gradient reached any "
                      f"trainable weight: {how}",
              line=ctx.line("step"), data={"calls": [i + 1 for i in dry]})
