// The atproto dev network (PLC, PDS, AppView, Ozone) for Front Counter's real Bluesky tests.
//
// Every server listens on 127.0.0.1 only. Prints one JSON line: the service URLs, the seeded
// accounts (handle, did, password) and posts. Then reads JSON commands, one per line, on stdin
// and answers each with one JSON line:
//   {"op": "post", "by": "alice", "text": "...", "reply_to": {"uri", "cid"}?, "mention": "police"?}
//   {"op": "process"}  -- let the AppView index everything written so far
// The AppView indexes each repo on its own: a reply indexed before its parent gets no
// notification, so every post is followed by processAll() before the next one.
'use strict'

const dns = require('node:dns')
const net = require('node:net')
const readline = require('node:readline')

dns.setDefaultResultOrder('ipv4first') // dev-env names its servers http://localhost:PORT
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  // listen(port[, cb]) and listen({port}) bind every interface by default: pin loopback.
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1')
  } else if (args[0] && typeof args[0] === 'object' && !args[0].path && !args[0].host) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return listen.apply(this, args)
}

const { TestNetwork, SeedClient } = require('@atproto/dev-env')

const ACCOUNTS = {
  police: 'Northvale Police',
  alice: 'Alice Moreau',
  bob: 'Bob Ledger',
}

function mentionFacet(text, handle, did) {
  const at = `@${handle}`
  const start = Buffer.byteLength(text.slice(0, text.indexOf(at)), 'utf8')
  return [
    {
      index: { byteStart: start, byteEnd: start + Buffer.byteLength(at, 'utf8') },
      features: [{ $type: 'app.bsky.richtext.facet#mention', did }],
    },
  ]
}

async function main() {
  // Postgres schemas here may hold only letters and '_': one fresh set per run.
  const letters = Array.from(String(process.pid), (d) => String.fromCharCode(97 + Number(d))).join('')
  const schema = process.env.DB_POSTGRES_SCHEMA || `fc_${letters}_${Date.now().toString(36).replace(/[0-9]/g, '')}`
  const network = await TestNetwork.create({
    dbPostgresUrl: process.env.DB_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:5432/postgres',
    dbPostgresSchema: schema,
  })
  running = network
  const sc = new SeedClient(network, network.pds.getClient())
  for (const [name, displayName] of Object.entries(ACCOUNTS)) {
    await sc.createAccount(name, {
      handle: `${name}.test`,
      email: `${name}@front-counter.test`,
      password: `${name}-password`,
    })
    await sc.createProfile(sc.dids[name], displayName, '')
  }
  await network.processAll()

  async function post(cmd) {
    const by = sc.dids[cmd.by]
    const mentioned = cmd.mention ? sc.accounts[sc.dids[cmd.mention]] : null
    const text = mentioned && !cmd.text.includes(`@${mentioned.handle}`)
      ? `@${mentioned.handle} ${cmd.text}`
      : cmd.text
    const facets = mentioned ? mentionFacet(text, mentioned.handle, mentioned.did) : undefined
    let ref
    if (cmd.reply_to) {
      const parent = cmd.reply_to
      const root = cmd.root || parent
      const made = await sc.reply(
        by,
        { raw: root, uriStr: root.uri, cidStr: root.cid },
        { raw: parent, uriStr: parent.uri, cidStr: parent.cid },
        text,
        facets,
      )
      ref = made.ref
    } else {
      ref = (await sc.post(by, text, facets)).ref
    }
    await network.processAll()
    return { uri: ref.uriStr, cid: ref.cidStr, text }
  }

  const appeal = await post({ by: 'police', text: 'Appeal: have you seen this red bicycle? It was taken from Sandpit Lane.' })
  const accounts = {}
  for (const name of Object.keys(ACCOUNTS)) {
    const did = sc.dids[name]
    accounts[name] = { handle: sc.accounts[did].handle, did, password: sc.accounts[did].password }
  }
  process.stdout.write(
    JSON.stringify({
      pds: network.pds.url.replace('localhost', '127.0.0.1'),
      appview: network.bsky.url.replace('localhost', '127.0.0.1'),
      plc: network.plc.url.replace('localhost', '127.0.0.1'),
      accounts,
      posts: { appeal },
    }) + '\n',
  )

  const lines = readline.createInterface({ input: process.stdin })
  for await (const line of lines) {
    let answer
    try {
      const cmd = JSON.parse(line)
      if (cmd.op === 'post') answer = await post(cmd)
      else if (cmd.op === 'process') {
        await network.processAll()
        answer = { ok: true }
      } else answer = { error: `unknown op ${cmd.op}` }
    } catch (err) {
      answer = { error: String(err && err.stack ? err.stack : err) }
    }
    process.stdout.write(JSON.stringify(answer) + '\n')
  }
  await network.close()
  process.exit(0)
}

let running = null
process.on('SIGTERM', () => {
  const closing = running ? running.close() : Promise.resolve()
  const late = setTimeout(() => process.exit(0), 10000)
  closing.finally(() => {
    clearTimeout(late)
    process.exit(0)
  })
})
main().catch((err) => {
  process.stderr.write(`atproto dev network failed: ${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
})
