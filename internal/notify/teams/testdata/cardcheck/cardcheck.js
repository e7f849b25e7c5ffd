// cardcheck parses elevate's Teams messages with Microsoft's adaptivecards
// library and prints, per message, what the library reported: the
// envelope's shape, parse events and validation events. teams_test.go
// runs it: node cardcheck.js messages.json
"use strict";
const fs = require("fs");
const path = require("path");
const AC = require(path.join(__dirname, "node_modules/adaptivecards/dist/adaptivecards.js"));

const messages = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = {};
for (const [name, msg] of Object.entries(messages)) {
  const problems = [];
  if (msg.type !== "message") problems.push(`envelope type is ${msg.type}, want message`);
  const att = (msg.attachments || [])[0];
  if (!att || msg.attachments.length !== 1) problems.push("want exactly one attachment");
  if (att && att.contentType !== "application/vnd.microsoft.card.adaptive") problems.push(`contentType ${att.contentType}`);
  const card = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  card.parse(att ? att.content : {}, ctx);
  for (let i = 0; i < ctx.eventCount; i++) {
    const e = ctx.getEventAt(i);
    problems.push(`parse: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  const v = card.validateProperties();
  for (const e of v.validationEvents) problems.push(`validate: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  out[name] = { version: card.version ? card.version.toString() : "", problems };
}
process.stdout.write(JSON.stringify(out));
