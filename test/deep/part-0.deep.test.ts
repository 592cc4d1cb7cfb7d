import { deepPart } from './runner.js';

deepPart(0);
