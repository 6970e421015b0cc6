import { Contract, expectProblem, workspacePath } from '@oc-numbers/testing';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { parse } from 'yaml';
import { useApp } from './app-harness';

const contract = new Contract();
const SPEC_TEXT = readFileSync(workspacePath('openapi', 'oc-numbers.yaml'), 'utf8');

describe('the API documentation', () => {
  const running = useApp('sqlite');

  describe('GET /api/openapi.yaml', () => {
    it('serves the contract file byte for byte', async () => {
      const response = await request(running().server).get('/api/openapi.yaml').buffer(true);
      expect(contract.check('get', '/api/openapi.yaml', { ...response, body: response.text })).toEqual([]);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/yaml; charset=utf-8');
      expect(response.text).toBe(SPEC_TEXT);
    });
  });

  describe('GET /api/openapi.json', () => {
    it('serves the same contract as JSON', async () => {
      const response = await request(running().server).get('/api/openapi.json');
      expect(contract.check('get', '/api/openapi.json', response)).toEqual([]);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(parse(SPEC_TEXT));
    });
  });

  describe('GET /api/docs', () => {
    it('serves the Swagger UI page, which loads the contract from /api/openapi.json', async () => {
      const page = await request(running().server).get('/api/docs');
      expect(contract.check('get', '/api/docs', { ...page, body: page.text })).toEqual([]);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('<title>OC Numbers API</title>');
      for (const asset of ['swagger-ui-bundle.js', 'init.js', 'swagger-ui.css', 'favicon-32x32.png']) {
        expect(page.text).toContain(`docs/${asset}`);
        const response = await request(running().server).get(`/api/docs/${asset}`);
        expect(response.status).toBe(200);
      }
      const init = await request(running().server).get('/api/docs/init.js');
      expect(init.text).toContain("url: 'openapi.json'");
    });

    it('serves no other file', async () => {
      for (const path of ['/api/docs/index.html', '/api/docs/..%2F..%2Fpackage.json', '/api/docs/swagger-ui.css.map']) {
        expectProblem(await request(running().server).get(path), 404, 'NOT_FOUND');
      }
    });
  });
});
