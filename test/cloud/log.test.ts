import { jsonLog } from '../../functions/cloud/log';

describe('jsonLog', () => {
  const lines = (level?: 'debug' | 'info' | 'warn') => {
    const out: string[] = [];
    const log = jsonLog({ fn: 't' }, (l) => out.push(l), level);
    log.debug('routine', { n: 1 });
    log.info('news');
    log.warn('careful');
    return out.map((l) => (JSON.parse(l) as { level: string; msg: string }).level);
  };

  it('writes debug lines only at LOG_LEVEL=debug, and drops lines below the level', () => {
    expect(lines()).toEqual(['info', 'warn']);
    expect(lines('debug')).toEqual(['debug', 'info', 'warn']);
    expect(lines('warn')).toEqual(['warn']);
  });
});
