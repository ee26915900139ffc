"""Trains the built-in `noos-chat` model and writes its Hugging Face style export.

    /usr/bin/python3 packages/inference/training/train.py            # full build (see the model README)
    /usr/bin/python3 packages/inference/training/train.py --steps 20 --out /tmp/noos-chat-smoke

Build-time only (PyTorch 1.13 and onnx 1.12 from Debian: python3-torch, python3-onnx; with
libopenblas0-pthread installed, Debian's torch uses OpenBLAS, several times faster than the
reference BLAS). Everything is seeded: the tokenizer, the dialogues, the evaluation sets, the
initial weights, the batches and dropout. Steps:

 1. generate the training dialogues (data.py, seed DIALOGUE_SEED) and the evaluation sets
    (seed EVAL_SEED, disjoint from training) into training/eval/*.jsonl;
 2. learn a byte-level BPE vocabulary with isolated digits (bpe.py) and check that its Python
    encoder matches the TypeScript tokenizer (training/encode.ts) on all the training text;
 3. train the transformer (model.py) on a mix of prose windows and packed dialogues, the loss of
    a dialogue taken on the assistant's replies only;
 4. export onnx/model.onnx with a KV cache, and config.json, generation_config.json,
    tokenizer.json, tokenizer_config.json (with the ChatML chat template).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Bpe, train_bpe, write_tokenizer  # noqa: E402
from data import evaluation_sets, generate_dialogues, read_paragraphs  # noqa: E402
from model import Gpt, GptConfig, OnnxDecoder  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PKG))
CORPUS = os.path.join(PKG, "corpus")
NAME = "noos-chat"

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
EOT, IM_START, IM_END = 0, 1, 2
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

DIALOGUE_SEED = 1
EVAL_SEED = 2
TRAIN_SEED = 0
DIALOGUES = 60000
EVAL_PER_FAMILY = 500
VOCAB_SIZE = 512


def log(*args):
    print(f"[{time.strftime('%H:%M:%S')}]", *args, flush=True)


def render_chat(messages: list[dict], add_generation_prompt: bool = False) -> str:
    """What CHAT_TEMPLATE renders (the TS test renders the template itself and compares)."""
    s = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return s + ("<|im_start|>assistant\n" if add_generation_prompt else "")


def encode_dialogue(bpe: Bpe, messages: list[dict]) -> tuple[list[int], list[int]]:
    """Ids of the rendered dialogue and a loss mask: 1 on each assistant reply and its <|im_end|>."""
    ids: list[int] = []
    mask: list[int] = []
    for m in messages:
        head = [IM_START] + bpe.encode(m["role"] + "\n")
        body = bpe.encode(m["content"]) + [IM_END]
        tail = bpe.encode("\n")
        learn = 1 if m["role"] == "assistant" else 0
        ids += head + body + tail
        mask += [0] * len(head) + [learn] * len(body) + [0] * len(tail)
    return ids, mask


def ts_encode(model_dir: str, texts: list[str]) -> list[list[int]]:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "texts.json"), os.path.join(tmp, "ids.json")
        with open(src, "w", encoding="utf-8") as f:
            json.dump(texts, f)
        subprocess.run(
            ["npx", "tsx", os.path.join(HERE, "encode.ts"), model_dir, src, dst], cwd=REPO, check=True
        )
        with open(dst, encoding="utf-8") as f:
            return json.load(f)


def check_tokenizer(bpe: Bpe, model_dir: str, texts: list[str]) -> None:
    theirs = ts_encode(model_dir, texts)
    for t, ids in zip(texts, theirs):
        mine = bpe.encode(t)
        if mine != ids:
            i = next((k for k, (a, b) in enumerate(zip(mine, ids)) if a != b), min(len(mine), len(ids)))
            raise SystemExit(f"tokenizer mismatch at token {i} of {t[:80]!r}: python {mine[i:i+5]} ts {ids[i:i+5]}")
    log(f"tokenizer: Python and TypeScript agree on {len(texts)} texts")


def write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


class Batches:
    """Rows of ctx + 1 tokens: prose windows (Moby-Dick or SOTU) or packed dialogues."""

    def __init__(self, rng, moby, sotu, dialogues, ctx, chat_fraction, moby_share, random_dialogues=False):
        self.rng, self.moby, self.sotu, self.dialogues = rng, moby, sotu, dialogues
        self.random_dialogues = random_dialogues
        self.ctx, self.chat_fraction, self.moby_share = ctx, chat_fraction, moby_share
        self.next_dialogue = 0

    def prose_row(self):
        stream = self.moby if self.rng.random() < self.moby_share else self.sotu
        i = self.rng.randrange(len(stream) - self.ctx - 1)
        row = stream[i : i + self.ctx + 1]
        return row, [1] * len(row)

    def chat_row(self):
        ids, mask = [], []
        while len(ids) < self.ctx + 1:
            if self.random_dialogues:
                d_ids, d_mask = self.dialogues[self.rng.randrange(len(self.dialogues))]
            else:
                d_ids, d_mask = self.dialogues[self.next_dialogue % len(self.dialogues)]
                self.next_dialogue += 1
            ids += d_ids + [EOT]
            mask += d_mask + [0]
        return ids[: self.ctx + 1], mask[: self.ctx + 1]

    def batch(self, size):
        rows = [self.chat_row() if self.rng.random() < self.chat_fraction else self.prose_row() for _ in range(size)]
        x = torch.tensor([r[0] for r in rows])
        m = torch.tensor([r[1] for r in rows], dtype=torch.float32)
        return x[:, :-1], x[:, 1:], m[:, 1:]


def masked_loss(logits, targets, mask):
    """Mean over rows of each row's mean loss on its learned tokens: a dialogue row (few learned
    tokens) weighs as much as a prose row (all tokens learned)."""
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    nll = nll.view(targets.shape)
    return ((nll * mask).sum(1) / mask.sum(1).clamp(min=1)).mean()


@torch.no_grad()
def heldout_loss(model, stream, ctx, windows=8):
    model.eval()
    total, n = 0.0, 0
    for w in range(windows):
        seg = torch.tensor(stream[w * ctx : w * ctx + ctx + 1], device=model.wte.weight.device)[None]
        if seg.shape[1] < ctx + 1:
            break
        logits = model(seg[:, :-1])
        total += F.cross_entropy(logits[0], seg[0, 1:], reduction="sum").item()
        n += ctx
    model.train()
    return total / max(n, 1)


@torch.no_grad()
def greedy_answer(model, bpe, question, max_new=24):
    model.eval()
    ids = [IM_START] + bpe.encode("user\n" + question) + [IM_END] + bpe.encode("\n") + [IM_START] + bpe.encode("assistant\n")
    out = []
    for _ in range(max_new):
        logits = model(torch.tensor([ids[-model.cfg.n_positions :]], device=model.wte.weight.device))
        t = int(logits[0, -1].argmax())
        if t in (IM_END, EOT):
            break
        out.append(t)
        ids.append(t)
    model.train()
    return bpe.decode(out)


def accuracy(model, bpe, items):
    return sum(greedy_answer(model, bpe, it["question"]) == it["answer"] for it in items) / len(items)


def run_stage(model, batches, steps, peak_lr, warmup, args, heldout, bpe, evals) -> float:
    """AdamW (weight decay 0.1 on matrices), linear warmup then cosine decay to 10% of the peak."""
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=peak_lr,
        betas=(0.9, 0.95),
    )

    def lr_at(step):
        if step < warmup:
            return peak_lr * (step + 1) / warmup
        progress = (step - warmup) / max(1, steps - warmup)
        return peak_lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    t_train = time.time()
    model.train()
    running = None
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        x, y, m = (t.to(args.device) for t in batches.batch(args.batch))
        loss = masked_loss(model(x), y, m)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        if step % 25 == 0 or step == steps - 1:
            el = time.time() - t_train
            log(f"step {step} loss {running:.3f} lr {lr_at(step):.2e} {el:.0f}s ({(step + 1) * args.batch * args.ctx / el:.0f} tok/s)")
        if (step + 1) % args.eval_every == 0 or step == steps - 1:
            h = heldout_loss(model, heldout, args.ctx)
            n = 50 if step == steps - 1 else 10
            acc = {k: accuracy(model, bpe, v[:n]) for k, v in evals.items()}
            log(f"eval step {step + 1}: held-out ppl {math.exp(h):.2f} (first {8 * args.ctx} tokens), accuracy on {n} each {acc}")
    return time.time() - t_train


def export_onnx(model: Gpt, path: str) -> None:
    model.eval()
    cfg = model.cfg
    wrapper = OnnxDecoder(model)
    past_len, T = 3, 2
    past = []
    names_in = ["input_ids", "attention_mask", "position_ids"]
    names_out = ["logits"]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(cfg.n_layer):
        for kind in ("key", "value"):
            past.append(torch.zeros(1, cfg.n_head, past_len, cfg.head_dim))
            names_in.append(f"past_key_values.{i}.{kind}")
            names_out.append(f"present.{i}.{kind}")
            axes[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length"}
            axes[f"present.{i}.{kind}"] = {0: "batch_size", 2: "total_sequence_length"}
    args = (
        torch.tensor([[5, 6]]),
        torch.ones(1, past_len + T, dtype=torch.int64),
        torch.tensor([[past_len, past_len + 1]]),
        *past,
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(
        wrapper,
        args,
        path,
        input_names=names_in,
        output_names=names_out,
        dynamic_axes=axes,
        opset_version=17,
        do_constant_folding=True,
    )
    import onnx

    m = onnx.load(path)
    onnx.checker.check_model(m)
    log(f"exported {path} ({os.path.getsize(path)} bytes, opset 17)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(PKG, "models", NAME))
    ap.add_argument("--steps", type=int, default=1100)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2.5e-3)
    ap.add_argument("--stage2-steps", type=int, default=0)
    ap.add_argument("--stage2-lr", type=float, default=5e-4)
    ap.add_argument("--init", help="start from these weights (a state_dict) instead of running stage 1")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu (the committed build) or cuda, where a GPU is at hand")
    ap.add_argument("--eval-every", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    out = args.out
    os.makedirs(out, exist_ok=True)

    # 1. text and dialogues
    moby_text = open(os.path.join(CORPUS, "moby-dick-train.txt"), encoding="utf-8").read()
    heldout_text = open(os.path.join(CORPUS, "moby-dick-heldout.txt"), encoding="utf-8").read()
    sotu_text = open(os.path.join(CORPUS, "sotu-1845-1865.txt"), encoding="utf-8").read()
    sotu_docs = ["Annual Message of" + d for d in sotu_text.split("Annual Message of")[1:]]
    sotu_docs = [d.strip() + "\n" for d in sotu_docs]
    paragraphs = read_paragraphs(os.path.join(CORPUS, "moby-dick-train.txt")) + read_paragraphs(
        os.path.join(CORPUS, "sotu-1845-1865.txt")
    )
    dialogues = generate_dialogues(DIALOGUE_SEED, DIALOGUES, paragraphs)
    evals = evaluation_sets(EVAL_SEED, EVAL_PER_FAMILY, dialogues)
    eval_dir = os.path.join(HERE, "eval")
    os.makedirs(eval_dir, exist_ok=True)
    for family, items in evals.items():
        with open(os.path.join(eval_dir, f"{family}.jsonl"), "w", encoding="utf-8") as f:
            for it in items:
                f.write(json.dumps(it) + "\n")
    counts = {}
    for d in dialogues:
        counts[d["family"]] = counts.get(d["family"], 0) + 1
    log(f"dialogues: {counts}; eval sets: { {k: len(v) for k, v in evals.items()} }")

    # 2. tokenizer
    chat_texts = [m["content"] for d in dialogues[:8000] for m in d["messages"]]
    bpe = train_bpe([moby_text, *sotu_docs, *chat_texts, "user\n", "assistant\n", "system\n"], VOCAB_SIZE, SPECIALS)
    log(f"tokenizer: {bpe.size} tokens, {len(bpe.merges)} merges")
    write_tokenizer(bpe, os.path.join(out, "tokenizer.json"))
    write_json(
        os.path.join(out, "tokenizer_config.json"),
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": "<|endoftext|>",
            "eos_token": "<|im_end|>",
            "pad_token": "<|endoftext|>",
            "unk_token": None,
            "add_bos_token": False,
            "add_prefix_space": False,
            "clean_up_tokenization_spaces": False,
            "model_max_length": args.ctx,
            "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
            "chat_template": CHAT_TEMPLATE,
        },
    )
    check_texts = [moby_text, heldout_text, *sotu_docs, *chat_texts[:4000]]
    check_texts += [render_chat(d["messages"]) for d in dialogues[:200]]
    check_tokenizer_rendered(bpe, out, check_texts)

    moby = bpe.encode(moby_text)
    sotu = []
    for d in sotu_docs:
        sotu += bpe.encode(d) + [EOT]
    heldout = bpe.encode(heldout_text)
    chat = [encode_dialogue(bpe, d["messages"]) for d in dialogues]
    log(f"tokens: moby-dick train {len(moby)}, held-out {len(heldout)}, sotu {len(sotu)}, dialogues {sum(len(c[0]) for c in chat)}")

    # 3. training
    torch.manual_seed(TRAIN_SEED)
    cfg = GptConfig(vocab_size=bpe.size, n_positions=args.ctx, dropout=0.0)
    model = Gpt(cfg).to(args.device)
    log(f"model: {model.num_parameters()} parameters, {cfg}")
    stage1 = Batches(random.Random(TRAIN_SEED), moby, sotu, chat, args.ctx, chat_fraction=0.35, moby_share=0.85)
    seconds = {}
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location=args.device))
        log(f"stage 1 skipped: weights from {args.init}")
    else:
        seconds["stage1"] = run_stage(model, stage1, args.steps, args.lr, max(1, min(100, args.steps // 10)), args, heldout, bpe, evals)
        torch.save(model.state_dict(), os.path.join(tempfile.gettempdir(), f"{NAME}-stage1.pt"))
    if args.stage2_steps > 0:
        # Stage 2: mostly dialogues, drawn at random from the pool, with a fresh optimizer and seed,
        # so that it depends only on the stage-1 weights.
        torch.manual_seed(TRAIN_SEED + 1)
        stage2 = Batches(random.Random(TRAIN_SEED + 1), moby, sotu, chat, args.ctx, chat_fraction=0.8, moby_share=0.6, random_dialogues=True)
        seconds["stage2"] = run_stage(model, stage2, args.stage2_steps, args.stage2_lr, 20, args, heldout, bpe, evals)
    train_seconds = sum(seconds.values())
    log(f"trained in {train_seconds:.0f}s ({seconds})")
    torch.save(model.state_dict(), os.path.join(tempfile.gettempdir(), f"{NAME}-final.pt"))

    # 4. export
    model.eval()
    model.cpu()
    export_onnx(model, os.path.join(out, "onnx", "model.onnx"))
    write_json(
        os.path.join(out, "config.json"),
        {
            "_name_or_path": NAME,
            "architectures": ["GPT2LMHeadModel"],
            "model_type": "gpt2",
            "vocab_size": bpe.size,
            "n_positions": args.ctx,
            "n_ctx": args.ctx,
            "n_embd": cfg.n_embd,
            "n_layer": cfg.n_layer,
            "n_head": cfg.n_head,
            "n_inner": 4 * cfg.n_embd,
            "activation_function": "gelu",
            "layer_norm_epsilon": 1e-5,
            "tie_word_embeddings": True,
            "bos_token_id": EOT,
            "eos_token_id": [IM_END, EOT],
            "pad_token_id": EOT,
            "torch_dtype": "float32",
            "num_parameters": model.num_parameters(),
            "training": {
                "script": "packages/inference/training/train.py",
                "steps": args.steps,
                "stage2_steps": args.stage2_steps,
                "stage2_lr": args.stage2_lr,
                "batch": args.batch,
                "context": args.ctx,
                "lr": args.lr,
                "train_seconds": round(train_seconds),
                "stage_seconds": {k: round(v) for k, v in seconds.items()},
                "total_seconds": round(time.time() - t0),
                "threads": args.threads,
            },
        },
    )
    write_json(
        os.path.join(out, "generation_config.json"),
        {"bos_token_id": EOT, "eos_token_id": [IM_END, EOT], "pad_token_id": EOT, "do_sample": False},
    )
    log(f"done in {time.time() - t0:.0f}s total")


def check_tokenizer_rendered(bpe: Bpe, model_dir: str, texts: list[str]) -> None:
    """Like check_tokenizer, but texts may hold ChatML special tokens (split here as the TS side does)."""
    import re

    special = re.compile("(" + "|".join(re.escape(s) for s in SPECIALS) + ")")
    theirs = ts_encode(model_dir, texts)
    for t, ids in zip(texts, theirs):
        mine = []
        for part in special.split(t):
            if part in SPECIALS:
                mine.append(bpe.special(part))
            elif part:
                mine += bpe.encode(part)
        if mine != ids:
            i = next((k for k, (a, b) in enumerate(zip(mine, ids)) if a != b), min(len(mine), len(ids)))
            raise SystemExit(f"tokenizer mismatch at token {i} of {t[:80]!r}: python {mine[i:i+5]} ts {ids[i:i+5]}")
    log(f"tokenizer: Python and TypeScript agree on {len(texts)} texts")


if __name__ == "__main__":
    main()
