import { exitWith } from './args';
import { main } from './writes-cli';

exitWith(main(process.argv.slice(2)));
