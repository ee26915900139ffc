"""A GPT-2 style decoder-only transformer (pre-LayerNorm, learned positions, GELU MLP, tied
embeddings) whose forward takes and returns a KV cache in the Hugging Face ONNX layout:

  inputs  input_ids [B, T], attention_mask [B, P + T], position_ids [B, T],
          past_key_values.{i}.key / .value [B, heads, P, head_dim]
  outputs logits [B, T, vocab], present.{i}.key / .value [B, heads, P + T, head_dim]
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GptConfig:
    vocab_size: int
    n_positions: int = 512
    n_embd: int = 192
    n_layer: int = 4
    n_head: int = 4
    dropout: float = 0.1

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head


class Attention(nn.Module):
    def __init__(self, cfg: GptConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.head_dim = cfg.head_dim
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, bias, past_k=None, past_v=None):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        k = k.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        v = v.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim)) + bias
        att = self.drop(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.drop(self.proj(y)), k, v


class Block(nn.Module):
    def __init__(self, cfg: GptConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = Attention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.out = nn.Linear(4 * cfg.n_embd, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, bias, past_k=None, past_v=None):
        a, k, v = self.attn(self.ln1(x), bias, past_k, past_v)
        x = x + a
        x = x + self.drop(self.out(F.gelu(self.fc(self.ln2(x)))))
        return x, k, v


class Gpt(nn.Module):
    def __init__(self, cfg: GptConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.apply(self._init)
        for b in self.blocks:  # GPT-2's scaled init of the residual projections
            nn.init.normal_(b.attn.proj.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))
            nn.init.normal_(b.out.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx):
        """Training forward: logits [B, T, V] with a causal mask, no cache."""
        B, T = idx.shape
        pos = torch.arange(T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos)[None])
        bias = torch.full((T, T), float("-inf"), device=idx.device).triu(1)[None, None]
        for b in self.blocks:
            x, _, _ = b(x, bias)
        return self.ln_f(x) @ self.wte.weight.t()


class OnnxDecoder(nn.Module):
    """The cached forward, for torch.onnx.export (eval mode, no dropout)."""

    def __init__(self, gpt: Gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, input_ids, attention_mask, position_ids, *past):
        g = self.gpt
        past_len = past[0].shape[2]
        T = input_ids.shape[1]
        S = attention_mask.shape[1]
        x = g.wte(input_ids) + g.wpe(position_ids)
        # key j is visible from query i (absolute position past_len + i) when j <= past_len + i
        # and attention_mask[:, j] is 1
        q_pos = torch.arange(T, device=input_ids.device)[:, None] + past_len
        k_pos = torch.arange(S, device=input_ids.device)[None, :]
        allowed = (k_pos <= q_pos)[None, None] & (attention_mask[:, None, None, :] > 0)
        bias = torch.where(allowed, torch.zeros((), dtype=x.dtype), torch.full((), -1e9, dtype=x.dtype))
        presents = []
        for i, b in enumerate(g.blocks):
            x, k, v = b(x, bias, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        logits = g.ln_f(x) @ g.wte.weight.t()
        return (logits, *presents)
