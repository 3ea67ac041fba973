"""Shared by the user-step setups (P109-P112 and ok_user_step): a tiny CNN and training steps
written the way users write them, one correct, four with the classic bugs of hand-written
loops. Each setup's model.yaml picks its step with ``step: ../_user_steps.py:<name>``."""
import torch
from torch import nn


def tiny_cnn(num_classes=3):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, num_classes))


def step(model, batch, loss_fn, optimizer):
    x, y = batch
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def step_forgets_optimizer_step(model, batch, loss_fn, optimizer):
    x, y = batch
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss


def step_without_zero_grad(model, batch, loss_fn, optimizer):
    x, y = batch
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def step_rewraps_loss(model, batch, loss_fn, optimizer):
    x, y = batch
    optimizer.zero_grad()
    value = loss_fn(model(x), y).item()
    loss = torch.tensor(value, requires_grad=True)   # "fixes" 'does not require grad'
    loss.backward()
    optimizer.step()
    return loss


def step_updates_before_backward(model, batch, loss_fn, optimizer):
    x, y = batch
    optimizer.zero_grad()
    optimizer.step()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss
