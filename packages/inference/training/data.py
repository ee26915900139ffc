"""Training text: the public-domain prose corpus and generated chat dialogues.

Task families whose answers are known exactly (these are evaluated):
  arithmetic  "What is 37 + 48?" -> "37 + 48 = 85."   (a + b and a - b with 0 <= a, b <= 99, a >= b for -)
  reverse     "Reverse the list: salt, rope, anchor." -> "anchor, rope, salt"   (3 to 5 words)
and two that only shape behaviour (not evaluated exactly):
  continue    "Continue this text: <a corpus sentence>" -> the next sentence(s) of that paragraph
  identity    "Who are you?" -> a fixed description of the model

Arithmetic problems are split once (seed ARITH_SPLIT_SEED) into a training part and a held-out
part of about 20%; training dialogues use only the first, the evaluation set only the second, so
no evaluated problem is ever seen in training under any phrasing. Reverse lists in the evaluation
set are de-duplicated against every training list.
"""
from __future__ import annotations

import random
import re

ARITH_MAX = 99
ARITH_SPLIT_SEED = 1234
ARITH_HELDOUT_FRACTION = 0.2

SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are Noos Chat, a small assistant.",
    "Answer briefly.",
    "You are a helpful, concise assistant.",
]

ARITH_TEMPLATES = [
    "What is {a} {op} {b}?",
    "What is {a} {word} {b}?",
    "Compute {a} {op} {b}.",
    "Calculate {a} {op} {b}.",
    "{a} {op} {b} = ?",
    "How much is {a} {word} {b}?",
    "What does {a} {op} {b} equal?",
    "Please work out {a} {op} {b}.",
    "what is {a}{op}{b}",
]
OP_WORDS = {"+": "plus", "-": "minus"}

REVERSE_TEMPLATES = [
    "Reverse the list: {items}.",
    "Reverse this list: {items}",
    "Reverse the order of these words: {items}.",
    "Write these words in reverse order: {items}.",
    "Please reverse: {items}",
    "Can you reverse the list {items}?",
]

# Plain English nouns and adjectives for the reverse family (chosen for this file).
WORDS = """
anchor apple arrow autumn basket beach bell berry bird blade boat bone book bottle bread bridge
brush cabin candle canvas castle chair chalk cheese cloud coal coat coin copper coral cotton
crown cup deck desert door dream drum eagle earth engine feather fence field fire flag flower
fog forest fox garden gate glass gold grape grass hammer harbor hat hill honey horse house ice
iron island jacket kettle key king ladder lake lamp leaf lemon letter lily lion map marble
market meadow mirror moon mountain nail needle nest night oak ocean oil orange owl paper pearl
pen pepper piano pillow pine planet plate pond rain river road rock rope rose sail salt sand
school sea seed shadow sheep shell ship shoe silver sky snow song spoon star stone storm stream
sugar summer sun table tea thunder tiger timber tower train tree tulip valley violin wagon wall
water wave whale wheat wheel window wind winter wolf wood wool yarn
""".split()

IDENTITY = [
    ("Who are you?", "I am Noos Chat, a small language model. I write English prose and I can add and subtract numbers and reverse short lists of words."),
    ("What is your name?", "My name is Noos Chat."),
    ("What can you do?", "I can add and subtract whole numbers up to 99, reverse short lists of words, and continue a piece of English text."),
    ("Hello!", "Hello! Ask me a sum, such as 12 + 30, or give me a list of words to reverse."),
    ("Hi", "Hello! How can I help you?"),
    ("Hello, how are you?", "I am well, thank you. How can I help you?"),
    ("Thank you!", "You are welcome."),
    ("Thanks.", "You are welcome."),
    ("What were you trained on?", "I was trained on Moby-Dick, on State of the Union addresses from 1845 to 1865, and on generated dialogues."),
    ("Tell me about whales.", "The whale is the largest creature of the sea. The sperm whale hunts in the deep ocean, and the whalemen of Nantucket sailed the world to hunt it."),
]


def arithmetic_split() -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """(train problems, held-out problems): every (op, a, b) with a >= b for subtraction."""
    problems = [("+", a, b) for a in range(ARITH_MAX + 1) for b in range(ARITH_MAX + 1)]
    problems += [("-", a, b) for a in range(ARITH_MAX + 1) for b in range(a + 1)]
    rng = random.Random(ARITH_SPLIT_SEED)
    rng.shuffle(problems)
    n = int(len(problems) * ARITH_HELDOUT_FRACTION)
    return sorted(problems[n:]), sorted(problems[:n])


def arith_answer(op: str, a: int, b: int) -> str:
    return f"{a} {op} {b} = {a + b if op == '+' else a - b}."


def arith_dialogue(rng: random.Random, problem: tuple[str, int, int]) -> tuple[str, str]:
    op, a, b = problem
    q = rng.choice(ARITH_TEMPLATES).format(a=a, b=b, op=op, word=OP_WORDS[op])
    return q, arith_answer(op, a, b)


def random_list(rng: random.Random) -> tuple[str, ...]:
    return tuple(rng.sample(WORDS, rng.randint(3, 5)))


def reverse_answer(items: tuple[str, ...]) -> str:
    return ", ".join(reversed(items))


def reverse_dialogue(rng: random.Random, items: tuple[str, ...]) -> tuple[str, str]:
    sep = ", " if rng.random() < 0.8 else " "
    q = rng.choice(REVERSE_TEMPLATES).format(items=sep.join(items))
    return q, reverse_answer(items)


_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z\"'])")


def continue_dialogue(rng: random.Random, paragraphs: list[str]) -> tuple[str, str] | None:
    p = rng.choice(paragraphs)
    sentences = _SENTENCE.split(p)
    if len(sentences) < 2:
        return None
    i = rng.randrange(len(sentences) - 1)
    prompt = sentences[i]
    answer = " ".join(sentences[i + 1 : i + 1 + rng.randint(1, 2)])
    if len(prompt) > 300 or len(answer) > 400:
        return None
    lead = rng.choice(["Continue this text: ", "Continue: ", "Write what comes next: ", "Go on from here: "])
    return lead + prompt, answer


# Shares of the families (cumulative: arithmetic, + reverse, + continue; identity the rest).
DEFAULT_MIX = (0.55, 0.85, 0.97)


def generate_dialogues(
    seed: int,
    count: int,
    paragraphs: list[str],
    mix: tuple[float, float, float] = DEFAULT_MIX,
    p_system: float = 0.25,
    p_earlier: float = 0.1,
) -> list[dict]:
    """Training dialogues: {family, key, messages: [{role, content}]} (the last message is the answer)."""
    rng = random.Random(seed)
    train_problems, _ = arithmetic_split()
    out = []
    while len(out) < count:
        r = rng.random()
        if r < mix[0]:
            problem = rng.choice(train_problems)
            q, a = arith_dialogue(rng, problem)
            family, key = "arithmetic", "%s %d %d" % problem
        elif r < mix[1]:
            items = random_list(rng)
            q, a = reverse_dialogue(rng, items)
            family, key = "reverse", " ".join(items)
        elif r < mix[2]:
            qa = continue_dialogue(rng, paragraphs)
            if qa is None:
                continue
            q, a = qa
            family, key = "continue", q
        else:
            q, a = rng.choice(IDENTITY)
            family, key = "identity", q
        messages = []
        if rng.random() < p_system:
            messages.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
        if rng.random() < p_earlier:
            # an earlier exchange of the same kind, so multi-turn prompts look familiar
            if family == "arithmetic":
                q0, a0 = arith_dialogue(rng, rng.choice(train_problems))
            else:
                q0, a0 = reverse_dialogue(rng, random_list(rng))
            messages += [{"role": "user", "content": q0}, {"role": "assistant", "content": a0}]
        messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        out.append({"family": family, "key": key, "messages": messages})
    return out


def evaluation_sets(seed: int, per_family: int, training: list[dict]) -> dict[str, list[dict]]:
    """Fresh items per evaluated family, none of which occurs in `training` (by problem / list)."""
    rng = random.Random(seed)
    _, heldout = arithmetic_split()
    seen = {(d["family"], d["key"]) for d in training}
    # earlier turns count as training items too
    for d in training:
        for m in d["messages"][:-2]:
            if m["role"] == "user":
                seen.add(("any", m["content"]))
    sets: dict[str, list[dict]] = {"arithmetic": [], "reverse": []}
    used: set[str] = set()
    while len(sets["arithmetic"]) < per_family:
        problem = rng.choice(heldout)
        key = "%s %d %d" % problem
        if key in used:
            continue
        used.add(key)
        assert ("arithmetic", key) not in seen
        q, a = arith_dialogue(rng, problem)
        sets["arithmetic"].append({"family": "arithmetic", "question": q, "answer": a})
    while len(sets["reverse"]) < per_family:
        items = random_list(rng)
        key = " ".join(items)
        if ("reverse", key) in seen or key in used:
            continue
        used.add(key)
        q, a = reverse_dialogue(rng, items)
        if ("any", q) in seen:
            continue
        sets["reverse"].append({"family": "reverse", "question": q, "answer": a})
    return sets


def read_paragraphs(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]
