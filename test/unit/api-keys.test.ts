import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { keyChecker, parseApiKey, roleAllows } from '../../api/auth.js';
import { grpcRole } from '../../api/grpc/server.js';

describe('API keys and roles', () => {
  it('read a role after the last colon; a bare key or an unknown suffix is an admin key', () => {
    assert.deepEqual(parseApiKey('abc:read'), { key: 'abc', role: 'read' });
    assert.deepEqual(parseApiKey('a:b:WRITE'), { key: 'a:b', role: 'write' });
    assert.deepEqual(parseApiKey('abc'), { key: 'abc', role: 'admin' });
    assert.deepEqual(parseApiKey('abc:reed'), { key: 'abc:reed', role: 'admin' });
    assert.deepEqual(parseApiKey(':read'), { key: ':read', role: 'admin' });
  });

  it('map an Authorization value to its role, null when unknown, admin when no keys are set', () => {
    const roleOf = keyChecker(['r1:read', 'w1:write', 'bare']);
    assert.equal(roleOf('ApiKey r1'), 'read');
    assert.equal(roleOf('Bearer w1'), 'write');
    assert.equal(roleOf('apikey bare'), 'admin');
    assert.equal(roleOf('ApiKey r1:read'), null);
    assert.equal(roleOf('r1'), null);
    assert.equal(roleOf(undefined), null);
    assert.equal(keyChecker([])(undefined), 'admin');
  });

  it('order the roles read < write < admin, and give each Vald RPC the role of its HTTP twin', () => {
    assert.ok(roleAllows('admin', 'read') && roleAllows('write', 'write') && !roleAllows('write', 'admin'));
    assert.equal(grpcRole('/vald.v1.Search/StreamSearch'), 'read');
    assert.equal(grpcRole('/vald.v1.Object/GetObject'), 'read');
    assert.equal(grpcRole('/vald.v1.Upsert/MultiUpsert'), 'write');
    assert.equal(grpcRole('/vald.v1.Remove/Remove'), 'write');
    assert.equal(grpcRole('/vald.v1.Remove/RemoveByTimestamp'), 'admin');
    assert.equal(grpcRole('/vald.v1.Flush/Flush'), 'admin');
  });
});
