#!/usr/bin/env node
// NAME
//	mailauth-verify.mjs - verify every DKIM signature of a message with mailauth
// SYNOPSIS
//	node mailauth-verify.mjs -K KEYSFILE [FILE...] < message
// DESCRIPTION
//	Checks each DKIM-Signature of the message on standard input with
//	mailauth's dkimVerify (the npm package pinned in package.json; run
//	"npm ci" in this folder first) and prints one line per signature,
//	topmost first:
//
//	d=DOMAIN s=SELECTOR a=ALGORITHM result=RESULT [reason="TEXT"]
//
//	With FILE arguments, each file is a message, checked in turn, and
//	each line starts with "FILE: ": many messages, one start-up.
//
//	RESULT is mailauth's: pass, fail, neutral (among others a body hash
//	that does not match, or no key), policy or temperror.
//	Public keys come from KEYSFILE instead of DNS, one per line: the
//	DNS name, white space, the TXT record, as made by mkkeys.sh:
//
//	SELECTOR._domainkey.DOMAIN v=DKIM1; k=rsa; p=BASE64
// DIAGNOSTICS
//	Exit 0 when every message has at least one signature and every
//	one passes; 1 otherwise, or when a FILE cannot be read; 2 on a
//	usage error or an unreadable keys file.
// LICENSE
//	MIT; see LICENSE in the source distribution.

import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import mailauth from 'mailauth';

const { dkimVerify } = mailauth;

// usage - complain about the command line and exit
function usage(why) {
    if (why) {
        process.stderr.write(`mailauth-verify.mjs: ${why}\n`);
    }
    process.stderr.write('usage: mailauth-verify.mjs -K KEYSFILE < message\n');
    process.exit(2);
}

// loadKeys - read KEYSFILE into a map of lower-case name to record
function loadKeys(path) {
    const keys = new Map();
    for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
        const m = /^(\S+)\s+(.+?)\s*$/.exec(line);
        if (m && !m[1].startsWith('#')) {
            keys.set(m[1].replace(/\.$/, '').toLowerCase(), m[2]);
        }
    }
    return keys;
}

// makeResolver - a TXT look-up that reads the keys file, not DNS
function makeResolver(keys) {
    return async (name, type) => {
        const rr = type === 'TXT' ? keys.get(name.replace(/\.$/, '').toLowerCase()) : undefined;
        if (rr === undefined) {
            const err = new Error(`${name}: no ${type} record in the keys file`);
            err.code = 'ENOTFOUND';
            throw err;
        }
        return [[rr]];
    };
}

// readStdin - the whole of standard input, as a Buffer
async function readStdin() {
    const chunks = [];
    for await (const chunk of process.stdin) {
        chunks.push(chunk);
    }
    return Buffer.concat(chunks);
}

// verifyMessage - the result lines of one message, and if all pass
async function verifyMessage(message, resolver) {
    const res = await dkimVerify(message, { resolver });
    const sigs = (res.results || []).filter(r => r.status && r.status.result !== 'none');
    if (sigs.length === 0) {
        return { lines: ['no DKIM-Signature'], ok: false };
    }
    const lines = [];
    let passed = 0;
    for (const r of sigs) {
        let line = `d=${r.signingDomain || '-'} s=${r.selector || '-'} a=${r.algo || '-'} result=${r.status.result}`;
        if (r.status.comment) {
            line += ` reason="${String(r.status.comment).replace(/"/g, "'")}"`;
        }
        lines.push(line);
        passed += r.status.result === 'pass' ? 1 : 0;
    }
    return { lines, ok: passed === sigs.length };
}

// main - verify standard input or each FILE, print one line per signature
async function main() {
    const args = process.argv.slice(2);
    if (args.length < 2 || args[0] !== '-K') {
        usage('-K KEYSFILE is required; the message is read from standard input');
    }
    let keys;
    try {
        keys = loadKeys(args[1]);
    } catch (err) {
        process.stderr.write(`mailauth-verify.mjs: ${err.message}\n`);
        process.exit(2);
    }
    const resolver = makeResolver(keys);
    const files = args.slice(2);
    if (files.length === 0) {
        const { lines, ok } = await verifyMessage(await readStdin(), resolver);
        console.log(lines.join('\n'));
        return ok ? 0 : 1;
    }
    let allOk = true;
    for (const path of files) {
        let out;
        try {
            out = await verifyMessage(await readFile(path), resolver);
        } catch (err) {
            out = { lines: [`error: ${err.message}`], ok: false };
        }
        for (const line of out.lines) {
            console.log(`${path}: ${line}`);
        }
        allOk = allOk && out.ok;
    }
    return allOk ? 0 : 1;
}

main().then(
    code => process.exit(code),
    err => {
        console.log(`error: ${err.stack || err}`);
        process.exit(1);
    }
);
