import { exitWith } from './args';
import { main } from './bench-cli';

exitWith(main(process.argv.slice(2)));
