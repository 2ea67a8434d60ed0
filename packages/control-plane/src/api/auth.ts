import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function checkRunnerToken(req: FastifyRequest, expected: string, enabled: boolean): void {
  if (!enabled) return;
  const got = req.headers['x-runner-token'];
  if (typeof got !== 'string' || !safeEqual(got, expected)) throw new AppError('RUNNER_TOKEN_INVALID');
}

export function checkOperatorToken(req: FastifyRequest, expected: string | null): void {
  if (!expected) return;
  const header = req.headers.authorization;
  const bearer = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
  const alt = req.headers['x-api-token'];
  const got = bearer ?? (typeof alt === 'string' ? alt : undefined);
  if (!got || !safeEqual(got, expected)) throw new AppError('OPERATOR_TOKEN_INVALID');
}
