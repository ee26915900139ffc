/**
 * Lua used by the gateway's Redis scripts. Token amounts are NOOS wei (up to 2.1e25), beyond both
 * Redis's 64-bit integers and Lua's doubles, so they are kept as decimal strings and added,
 * subtracted and compared digit by digit here (non-negative integers, no leading zeros).
 */
export const BIGDEC_LUA = `
local function dnorm(a)
  if a == false or a == nil or a == '' then return '0' end
  local s = string.gsub(a, '^0+', '')
  if s == '' then return '0' end
  return s
end
local function dcmp(a, b)
  if #a ~= #b then if #a < #b then return -1 else return 1 end end
  if a == b then return 0 end
  if a < b then return -1 else return 1 end
end
local function dmax(a, b) if dcmp(a, b) >= 0 then return a else return b end end
local function dadd(a, b)
  local out, carry, i, j = {}, 0, #a, #b
  while i > 0 or j > 0 or carry > 0 do
    local s = carry
    if i > 0 then s = s + string.byte(a, i) - 48 end
    if j > 0 then s = s + string.byte(b, j) - 48 end
    out[#out + 1] = string.char(48 + s % 10)
    carry = math.floor(s / 10)
    i = i - 1
    j = j - 1
  end
  return dnorm(string.reverse(table.concat(out)))
end
local function dsub(a, b)
  if dcmp(a, b) < 0 then error('dsub underflow ' .. a .. ' - ' .. b) end
  local out, borrow, i, j = {}, 0, #a, #b
  while i > 0 do
    local s = string.byte(a, i) - 48 - borrow
    if j > 0 then s = s - (string.byte(b, j) - 48) end
    if s < 0 then s = s + 10; borrow = 1 else borrow = 0 end
    out[#out + 1] = string.char(48 + s)
    i = i - 1
    j = j - 1
  end
  return dnorm(string.reverse(table.concat(out)))
end
`;

/** Evaluates a BIGDEC_LUA expression (for tests of the arithmetic itself). */
export const BIGDEC_EVAL_LUA = `${BIGDEC_LUA}
local op, a, b = ARGV[1], dnorm(ARGV[2]), dnorm(ARGV[3])
if op == 'add' then return dadd(a, b) end
if op == 'sub' then return dsub(a, b) end
if op == 'cmp' then return dcmp(a, b) end
if op == 'max' then return dmax(a, b) end
return redis.error_reply('unknown op ' .. op)
`;
