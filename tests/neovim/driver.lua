-- Drives a headless Neovim whose init.lua is one of the README's Neovim
-- blocks, verbatim: opens the files of a plan, waits for the server, asks
-- what a user would ask and writes what came back as JSON, then quits.
-- Run by tests/neovim_e2e.rs; works on Neovim 0.7 and later, so it uses
-- only what 0.7 has (or falls back when a newer name is missing).
--
-- The plan (a JSON file named by $SUNLIGHT_NVIM_PLAN):
--   result    where to write the JSON result
--   wait_ms   how long to wait for the server at each step
--   record    { file, expect }: a record file and the `CODE:line` key its
--             diagnostics must reach (see `key` below)
--   restart   ex commands that restart the server, run after `record`
--   rules     { file, hover, definition, format_fn }: a rule file, two
--             0-based UTF-16 positions and the vim.lsp.buf function the
--             README names for formatting

local read, plan = pcall(function()
  return vim.fn.json_decode(table.concat(vim.fn.readfile(vim.env.SUNLIGHT_NVIM_PLAN), '\n'))
end)
if not read then
  -- Nowhere to write a result: say why on stderr and fail at once.
  io.stderr:write('cannot read the plan $SUNLIGHT_NVIM_PLAN: ' .. tostring(plan) .. '\n')
  vim.cmd('cquit 2')
end
local out = { errors = {} }

-- Which client published diagnostics for which URI: an empty list leaves no
-- trace in vim.diagnostic, and a clean rule file publishes just that.
local published = {}
local publish = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  if result and result.uri then
    published[ctx.client_id .. ' ' .. result.uri] = true
  end
  return publish(err, result, ctx, config)
end

local function version()
  local v = vim.version()
  return string.format('%d.%d.%d', v.major, v.minor, v.patch)
end

-- The clients named `sunlight` attached to a buffer.
local function sunlight_clients(buf)
  local found = {}
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  for _, c in ipairs(all) do
    if c.name == 'sunlight' and c.attached_buffers[buf] then
      table.insert(found, c)
    end
  end
  return found
end

local function ids(clients)
  local list = {}
  for _, c in ipairs(clients) do
    table.insert(list, c.id)
  end
  table.sort(list)
  return list
end

-- The diagnostics one client published for a buffer: code and 1-based line.
local function diagnostics(buf, client_id)
  local ns = vim.lsp.diagnostic.get_namespace(client_id)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(buf, { namespace = ns })) do
    local code = d.code
    if code == nil and d.user_data and d.user_data.lsp then
      code = d.user_data.lsp.code
    end
    table.insert(list, { code = code and tostring(code) or '', line = d.lnum + 1, message = d.message })
  end
  return list
end

-- A canonical form of a diagnostic list, to compare with the plan's.
local function key(list)
  local parts = {}
  for _, d in ipairs(list) do
    table.insert(parts, d.code .. ':' .. d.line)
  end
  table.sort(parts)
  return table.concat(parts, ',')
end

-- Waits until one initialized sunlight client not in `old` is attached to
-- `buf`, has published for it and its diagnostics reach `expect`; returns
-- that client's id (or the last one seen).
local function await_diagnostics(buf, expect, old)
  local uri = vim.uri_from_bufnr(buf)
  local seen
  vim.wait(plan.wait_ms, function()
    for _, c in ipairs(sunlight_clients(buf)) do
      if c.initialized and not vim.tbl_contains(old, c.id) then
        seen = c.id
        if published[c.id .. ' ' .. uri] and key(diagnostics(buf, c.id)) == expect then
          return true
        end
      end
    end
    return false
  end, 50)
  return seen
end

local function open(file)
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  return vim.api.nvim_get_current_buf()
end

-- A request to the buffer's server; a failure ends the run (one failing
-- step at most waits, so a broken configuration fails fast).
local function request(buf, method, params)
  local replies, err = vim.lsp.buf_request_sync(buf, method, params, plan.wait_ms)
  if not replies then
    error(method .. ': ' .. tostring(err), 0)
  end
  for _, reply in pairs(replies) do
    if reply.err then
      error(method .. ': ' .. vim.inspect(reply.err), 0)
    elseif reply.result ~= nil and reply.result ~= vim.NIL then
      return reply.result
    end
  end
  return nil
end

local function hover_text(result)
  if not result then
    return nil
  end
  local c = result.contents
  if type(c) == 'string' then
    return c
  elseif c.value then
    return c.value
  end
  local parts = {}
  for _, part in ipairs(c) do
    table.insert(parts, type(part) == 'string' and part or part.value)
  end
  return table.concat(parts, '\n')
end

local function locations(result)
  if not result then
    return {}
  end
  if result.uri or result.targetUri then
    result = { result }
  end
  local list = {}
  for _, l in ipairs(result) do
    local range = l.targetSelectionRange or l.range
    table.insert(list, {
      file = vim.uri_to_fname(l.targetUri or l.uri),
      line = range.start.line,
      character = range.start.character,
    })
  end
  return list
end

local function run()
  out.version = version()

  if plan.record then
    local buf = open(plan.record.file)
    local r = { filetype = vim.bo[buf].filetype }
    local client = await_diagnostics(buf, plan.record.expect, {})
    r.clients = ids(sunlight_clients(buf))
    r.diagnostics = client and diagnostics(buf, client) or {}
    out.record = r
    if not client then
      error('no sunlight client on ' .. plan.record.file .. ' (file type ' .. r.filetype .. ')', 0)
    end

    if plan.restart then
      local old = r.clients
      -- One command after the other, as typed: the next one once the
      -- stopped server has exited (a user does not type faster than that).
      for _, command in ipairs(plan.restart) do
        vim.cmd(command)
        vim.wait(plan.wait_ms, function()
          for _, id in ipairs(old) do
            if vim.lsp.get_client_by_id(id) then
              return false
            end
          end
          return true
        end, 50)
      end
      buf = vim.api.nvim_get_current_buf()
      local s = {}
      local fresh = await_diagnostics(buf, plan.record.expect, old)
      s.clients = ids(sunlight_clients(buf))
      s.diagnostics = fresh and diagnostics(buf, fresh) or {}
      out.restart = s
    end
  end

  if plan.rules then
    local buf = open(plan.rules.file)
    local r = { filetype = vim.bo[buf].filetype }
    local client = await_diagnostics(buf, '', {})
    r.clients = ids(sunlight_clients(buf))
    r.diagnostics = client and diagnostics(buf, client) or {}
    out.rules = r
    if not client then
      error('no sunlight client on ' .. plan.rules.file .. ' (file type ' .. r.filetype .. ')', 0)
    end
    local doc = { uri = vim.uri_from_bufnr(buf) }
    r.hover = hover_text(request(buf, 'textDocument/hover', { textDocument = doc, position = plan.rules.hover }))
    r.definition =
      locations(request(buf, 'textDocument/definition', { textDocument = doc, position = plan.rules.definition }))
    r.format_fn = type(vim.lsp.buf[plan.rules.format_fn])
    local edits = request(buf, 'textDocument/formatting', {
      textDocument = doc,
      options = { tabSize = 2, insertSpaces = true },
    })
    if edits then
      vim.lsp.util.apply_text_edits(edits, buf, vim.lsp.get_client_by_id(client).offset_encoding)
    end
    r.formatted = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  end
end

local ok, err = pcall(run)
if not ok then
  table.insert(out.errors, tostring(err))
end
out.log = vim.lsp.get_log_path()
vim.fn.writefile({ vim.fn.json_encode(out) }, plan.result)
vim.cmd('qa!')
